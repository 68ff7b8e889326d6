// Reading AWS::Pipes::Pipe from a synthesized template. Names and ranges follow
// https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html;
// the SQS target's batch limit of 10 follows
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pipeFromTemplate, TemplateResource } from '../../tools/pipe/from-template';
import { UnsupportedPipeError } from '../../tools/pipe/validate';

const STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/T/stream/2026-01-01T00:00:00.000';
const LAMBDA = 'arn:aws:lambda:eu-west-1:123456789012:function:enrich';
const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:target';
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:dlq';

// Intrinsics resolve to fixed ARNs, as the assembly resolver would against local resources.
const ATTS: Record<string, string> = { Table: STREAM, Enrich: LAMBDA, Queue: QUEUE, Dlq: DLQ, Log: 'arn:aws:logs:eu-west-1:123456789012:log-group:g' };
const resolve = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt && ATTS[getAtt[0]]) return ATTS[getAtt[0]];
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
};

// The shape EnrichedStreamToQueue synthesizes (see test/integ snapshot).
function resource(overrides: Record<string, unknown> = {}, ddb: Record<string, unknown> = {}): TemplateResource {
  return {
    Type: 'AWS::Pipes::Pipe',
    Properties: {
      Enrichment: { 'Fn::GetAtt': ['Enrich', 'Arn'] },
      EnrichmentParameters: {},
      LogConfiguration: { CloudwatchLogsLogDestination: { LogGroupArn: { 'Fn::GetAtt': ['Log', 'Arn'] } }, Level: 'ERROR' },
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      Source: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      SourceParameters: {
        DynamoDBStreamParameters: {
          BatchSize: 10,
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } },
          MaximumRetryAttempts: 3,
          OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          StartingPosition: 'LATEST',
          ...ddb,
        },
        FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
      },
      Target: { 'Fn::GetAtt': ['Queue', 'Arn'] },
      TargetParameters: {},
      ...overrides,
    },
  };
}

describe('pipeFromTemplate', () => {
  test('reads the construct\'s pipe with the service defaults for what it leaves out', () => {
    expect(pipeFromTemplate('Pipeline8E4BFAC9', resource(), resolve)).toEqual({
      name: 'Pipeline8E4BFAC9',
      desiredState: 'RUNNING',
      source: {
        streamArn: STREAM,
        startingPosition: 'LATEST',
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        maximumRetryAttempts: 3,
        maximumRecordAgeSeconds: -1,
        onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
        parallelizationFactor: 1,
        deadLetterQueueArn: DLQ,
      },
      filterPatterns: ['{"eventName":["INSERT"]}'],
      enrichment: { arn: LAMBDA },
      target: { queueArn: QUEUE },
      logging: { level: 'ERROR', includeExecutionData: false },
    });
  });

  test('reads names, input templates, FIFO parameters and execution data logging', () => {
    const pipe = pipeFromTemplate('P', resource({
      Name: 'my-pipe',
      DesiredState: 'STOPPED',
      EnrichmentParameters: { InputTemplate: '{"id": <$.dynamodb.Keys.id.S>}' },
      TargetParameters: { InputTemplate: '{"x": <$.x>}', SqsQueueParameters: { MessageGroupId: '$.id', MessageDeduplicationId: 'static' } },
      LogConfiguration: { Level: 'TRACE', IncludeExecutionData: ['ALL'] },
    }, { MaximumRecordAgeInSeconds: 60, MaximumBatchingWindowInSeconds: 5, ParallelizationFactor: 2, StartingPosition: 'TRIM_HORIZON' }), resolve);
    expect(pipe.name).toBe('my-pipe');
    expect(pipe.desiredState).toBe('STOPPED');
    expect(pipe.enrichment).toEqual({ arn: LAMBDA, inputTemplate: '{"id": <$.dynamodb.Keys.id.S>}' });
    expect(pipe.target).toEqual({ queueArn: QUEUE, inputTemplate: '{"x": <$.x>}', messageGroupId: '$.id', messageDeduplicationId: 'static' });
    expect(pipe.logging).toEqual({ level: 'TRACE', includeExecutionData: true });
    expect(pipe.source).toMatchObject({ startingPosition: 'TRIM_HORIZON', maximumRecordAgeSeconds: 60, maximumBatchingWindowSeconds: 5, parallelizationFactor: 2 });
  });

  // What the Pipes API refuses or the tools cannot run is one table for both readers: validate.test.ts.
  test.each([
    ['an unknown property', resource({ Foo: 1 }),
      'Pipe P: Foo is not a property of AWS::Pipes::Pipe; its properties: Name, Description, DesiredState, RoleArn, Source, SourceParameters, Enrichment, '
      + 'EnrichmentParameters, Target, TargetParameters, LogConfiguration, Tags, KmsKeyIdentifier'],
    ['a resource of another type', { Type: 'AWS::SQS::Queue', Properties: {} }, 'Pipe P: expected a resource of type AWS::Pipes::Pipe, got AWS::SQS::Queue'],
    ['an integer property holding words', resource({}, { BatchSize: 'ten' }), 'Pipe P: SourceParameters.DynamoDBStreamParameters.BatchSize "ten" is not an integer'],
  ])('refuses %s', (_name, res, message) => {
    expect(() => pipeFromTemplate('P', res, resolve)).toThrow(UnsupportedPipeError);
    expect(() => pipeFromTemplate('P', res, resolve)).toThrow(message);
  });

  test('resolves intrinsics anywhere in the properties, and reads integers written as strings as CloudFormation does', () => {
    const pipe = pipeFromTemplate('P', resource({
      Name: { 'Fn::Sub': 'orders' },
      TargetParameters: { SqsQueueParameters: { MessageGroupId: { 'Fn::Sub': '$.id' } } },
    }, { BatchSize: { 'Fn::Sub': '7' }, MaximumRetryAttempts: '5' }), (value) => {
      if (typeof value === 'string') return value;
      const sub = (value as { 'Fn::Sub'?: string })['Fn::Sub'];
      return sub ?? resolve(value);
    });
    expect(pipe.name).toBe('orders');
    expect(pipe.source).toMatchObject({ batchSize: 7, maximumRetryAttempts: 5 });
    expect(pipe.target.messageGroupId).toBe('$.id');
  });

  test('accepts the pipe EnrichedStreamToQueue synthesizes (the committed integ snapshot)', () => {
    const template = JSON.parse(readFileSync(path.join(__dirname, '..', 'integ', 'integ.enriched-stream-to-queue.ts.snapshot', 'EnrichedStreamToQueueInteg.template.json'), 'utf8'));
    const pipes = Object.entries(template.Resources as Record<string, TemplateResource>).filter(([, r]) => r.Type === 'AWS::Pipes::Pipe');
    expect(pipes).toHaveLength(1);
    const [logicalId, pipeResource] = pipes[0];
    // Every Fn::GetAtt resolves to an ARN of the kind its attribute names, as the local resources would.
    const resolveAny = (value: unknown): string => {
      if (typeof value === 'string') return value;
      const [id, attribute] = (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      const type = (template.Resources[id] as TemplateResource).Type;
      if (attribute === 'StreamArn') return `arn:aws:dynamodb:eu-west-1:123456789012:table/${id}/stream/2026-01-01T00:00:00.000`;
      if (type === 'AWS::Lambda::Function') return `arn:aws:lambda:eu-west-1:123456789012:function:${id}`;
      if (type === 'AWS::SQS::Queue') return `arn:aws:sqs:eu-west-1:123456789012:${id}`;
      return `arn:aws:other:eu-west-1:123456789012:${id}`;
    };
    const pipe = pipeFromTemplate(logicalId, pipeResource, resolveAny);
    expect(pipe.filterPatterns).toEqual(['{"eventName":["INSERT"]}']);
    expect(pipe.source).toMatchObject({ batchSize: 10, maximumRetryAttempts: 3, onPartialBatchItemFailure: 'AUTOMATIC_BISECT' });
    expect(pipe.source.deadLetterQueueArn).toMatch(/^arn:aws:sqs:/);
    expect(pipe.enrichment?.arn).toMatch(/^arn:aws:lambda:/);
  });
});
