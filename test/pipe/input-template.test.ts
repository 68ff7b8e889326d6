// Input transformation as described on
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-input-transformation.html
import { InputTemplate, PipeVariables } from '../../tools/pipe/input-template';

const vars: PipeVariables = {
  pipeArn: 'arn:aws:pipes:us-east-1:123456789012:pipe/example',
  pipeName: 'example',
  sourceArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2024',
  enrichmentArn: 'arn:aws:lambda:us-east-1:123456789012:function:enrich',
  targetArn: 'arn:aws:sqs:us-east-1:123456789012:q',
  ingestionTime: new Date('2026-01-02T03:04:05.000Z'),
};

// The page's own sample event and transformer.
const ec2Event = {
  'version': '0',
  'detail-type': 'EC2 Instance State-change Notification',
  'detail': { 'instance-id': 'i-0123456789', 'state': 'RUNNING' },
};

describe('InputTemplate (eb-pipes-input-transformation.html)', () => {
  test('the page example: paths and reserved variables outside quotes become JSON values', () => {
    const t = InputTemplate.parse(
      '{"instance" : <$.detail.instance-id>, "state": <$.detail.state>, "pipeArn" : <aws.pipes.pipe-arn>, "pipeName" : <aws.pipes.pipe-name>, "originalEvent" : <aws.pipes.event.json>}',
      'T');
    expect(t.apply(ec2Event, vars)).toEqual({
      instance: 'i-0123456789',
      state: 'RUNNING',
      pipeArn: 'arn:aws:pipes:us-east-1:123456789012:pipe/example',
      pipeName: 'example',
      originalEvent: ec2Event,
    });
  });

  test('a static string passes unchanged, a dynamic string inserts the value as text', () => {
    expect(InputTemplate.parse('Hello, sender', 'T').apply(ec2Event, vars)).toBe('Hello, sender');
    expect(InputTemplate.parse('Hello, <$.detail.state>', 'T').apply(ec2Event, vars)).toBe('Hello, RUNNING');
  });

  test('a template that is one JSON path yields the selected value itself', () => {
    expect(InputTemplate.parse('<$.detail>', 'T').apply(ec2Event, vars)).toEqual(ec2Event.detail);
  });

  test('inside a JSON string a value is inserted as escaped text', () => {
    const t = InputTemplate.parse('{"msg": "state is <$.detail.state>", "d": "<aws.pipes.event.ingestion-time>", "raw": "<$.detail>"}', 'T');
    expect(t.apply(ec2Event, vars)).toEqual({
      msg: 'state is RUNNING',
      d: '2026-01-02T03:04:05.000Z',
      raw: JSON.stringify(ec2Event.detail),
    });
  });

  test('array indices and wildcards select from arrays', () => {
    const event = { body: { Records: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }] } };
    expect(InputTemplate.parse('{"r": <$.body.Records[3]>, "ids": <$.body.Records[*].id>}', 'T').apply(event, vars))
      .toEqual({ r: { id: 'd' }, ids: ['a', 'b', 'c', 'd'] });
  });

  test('a path that selects nothing becomes null outside a string and empty text inside one', () => {
    expect(InputTemplate.parse('{"a": <$.missing>, "b": "x<$.missing>y"}', 'T').apply(ec2Event, vars)).toEqual({ a: null, b: 'xy' });
  });

  test('every reserved variable is filled in', () => {
    const t = InputTemplate.parse('{"a": <aws.pipes.pipe-arn>, "n": <aws.pipes.pipe-name>, "s": <aws.pipes.source-arn>, "e": <aws.pipes.enrichment-arn>, "t": <aws.pipes.target-arn>, "i": <aws.pipes.event.ingestion-time>, "ev": <aws.pipes.event>}', 'T');
    expect(t.apply({ k: 1 }, vars)).toEqual({ a: vars.pipeArn, n: 'example', s: vars.sourceArn, e: vars.enrichmentArn, t: vars.targetArn, i: '2026-01-02T03:04:05.000Z', ev: { k: 1 } });
  });

  test('refuses an unknown reserved variable, naming the allowed ones', () => {
    expect(() => InputTemplate.parse('{"a": <aws.pipes.event.dynamodb.Keys>}', 'TargetParameters.InputTemplate')).toThrow(
      'TargetParameters.InputTemplate uses <aws.pipes.event.dynamodb.Keys>, which is not a reserved variable of EventBridge Pipes; allowed: <aws.pipes.pipe-arn>, <aws.pipes.pipe-name>, <aws.pipes.source-arn>, <aws.pipes.enrichment-arn>, <aws.pipes.target-arn>, <aws.pipes.event.ingestion-time>, <aws.pipes.event>, <aws.pipes.event.json>');
  });

  test('refuses JSON path syntax Pipes does not support', () => {
    expect(() => InputTemplate.parse('<$..id>', 'EnrichmentParameters.InputTemplate')).toThrow(
      "EnrichmentParameters.InputTemplate uses the JSON path <$..id>, which EventBridge Pipes does not support; use dot notation with letters, digits, '-', '_', '/', array indices such as [0] and the wildcard *");
    expect(() => InputTemplate.parse('<$.a[?(@.b)]>', 'T')).toThrow('T uses the JSON path <$.a[?(@.b)]>, which EventBridge Pipes does not support');
  });

  test('refuses a JSON template that is not valid JSON once filled in', () => {
    expect(() => InputTemplate.parse('{"a": <$.x> "b": 1}', 'T')).toThrow(/^T starts like JSON but is not valid JSON once its placeholders are filled in/);
  });
});
