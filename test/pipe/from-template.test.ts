// Reading AWS::Pipes::Pipe from a synthesized template. Names and ranges follow
// https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html;
// the SQS target's batch limit of 10 follows
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pipeFromTemplate, TemplateResource } from '../../tools/pipe/from-template';

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

  test.each([
    ['a property the runner does not know', resource({ SourceParameters: { SqsQueueParameters: {} } }),
      'Pipe P: SourceParameters: SqsQueueParameters is not supported by the local pipe runner; supported keys: DynamoDBStreamParameters, FilterCriteria'],
    ['an unknown top-level property', resource({ Foo: 1 }),
      'Pipe P: Foo is not supported by the local pipe runner; supported properties: Name, Description, DesiredState, RoleArn, Source, SourceParameters, Enrichment, EnrichmentParameters, Target, TargetParameters, LogConfiguration, Tags, KmsKeyIdentifier'],
    ['a Kinesis source', resource({ Source: 'arn:aws:kinesis:eu-west-1:123456789012:stream/s' }),
      'Pipe P: Source arn:aws:kinesis:eu-west-1:123456789012:stream/s is not a DynamoDB stream ARN; the local pipe runner only reads DynamoDB streams'],
    ['a Step Functions enrichment', resource({ Enrichment: 'arn:aws:states:eu-west-1:123456789012:stateMachine:m' }),
      'Pipe P: Enrichment arn:aws:states:eu-west-1:123456789012:stateMachine:m is not a Lambda function ARN; the local pipe runner only invokes Lambda enrichments'],
    ['HttpParameters on the enrichment', resource({ EnrichmentParameters: { HttpParameters: {} } }),
      'Pipe P: EnrichmentParameters: HttpParameters is not supported by the local pipe runner; supported keys: InputTemplate'],
    ['an SNS target', resource({ Target: 'arn:aws:sns:eu-west-1:123456789012:topic' }),
      'Pipe P: Target arn:aws:sns:eu-west-1:123456789012:topic is not an SQS queue ARN; the local pipe runner only sends to SQS queues'],
    ['a target parameter of another target type', resource({ TargetParameters: { LambdaFunctionParameters: {} } }),
      'Pipe P: TargetParameters: LambdaFunctionParameters is not supported by the local pipe runner; supported keys: InputTemplate, SqsQueueParameters'],
    ['an SNS dead-letter topic', resource({}, { DeadLetterConfig: { Arn: 'arn:aws:sns:eu-west-1:123456789012:t' } }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.DeadLetterConfig.Arn arn:aws:sns:eu-west-1:123456789012:t is not an SQS queue ARN; the local pipe runner writes dead letters to SQS queues only'],
    ['AT_TIMESTAMP', resource({}, { StartingPosition: 'AT_TIMESTAMP' }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.StartingPosition AT_TIMESTAMP is not supported; allowed: LATEST, TRIM_HORIZON'],
    ['a pipe without a batch size (AWS documents no default to honour)', resource({}, { BatchSize: undefined }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.BatchSize is not set, and AWS documents no default for a DynamoDB stream source; set 1 to 10 for an SQS target'],
    ['a batch larger than the SQS target takes', resource({}, { BatchSize: 11 }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.BatchSize 11 is out of range for an SQS target; allowed: 1 to 10'],
    ['a retry count out of range', resource({}, { MaximumRetryAttempts: 10001 }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.MaximumRetryAttempts 10001 is out of range; allowed: an integer from -1 to 10000'],
    ['a record age below 60 s', resource({}, { MaximumRecordAgeInSeconds: 30 }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.MaximumRecordAgeInSeconds 30 is out of range; allowed: -1 (infinite) or 60 to 604800'],
    ['a parallelization factor above 10', resource({}, { ParallelizationFactor: 11 }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.ParallelizationFactor 11 is out of range; allowed: an integer from 1 to 10'],
    ['an unknown partial failure mode', resource({}, { OnPartialBatchItemFailure: 'NONE' }),
      'Pipe P: SourceParameters.DynamoDBStreamParameters.OnPartialBatchItemFailure NONE is not supported; allowed: AUTOMATIC_BISECT'],
    ['an unknown desired state', resource({ DesiredState: 'PAUSED' }), 'Pipe P: DesiredState PAUSED is not supported; allowed: RUNNING, STOPPED'],
    ['an unknown log level', resource({ LogConfiguration: { Level: 'DEBUG' } }), 'Pipe P: LogConfiguration.Level DEBUG is not supported; allowed: OFF, ERROR, INFO, TRACE'],
    ['more than five filters', resource({ SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 10 }, FilterCriteria: { Filters: Array(6).fill({ Pattern: '{"eventName":["INSERT"]}' }) } } }),
      'Pipe P: SourceParameters.FilterCriteria.Filters has 6 filters; allowed: at most 5'],
    ['an input template with an unknown variable', resource({ TargetParameters: { InputTemplate: '<aws.pipes.foo>' } }),
      /^Pipe P: TargetParameters.InputTemplate uses <aws.pipes.foo>, which is not a reserved variable of EventBridge Pipes/],
    ['an enrichment template without an enrichment', resource({ Enrichment: undefined, EnrichmentParameters: { InputTemplate: 'x' } }),
      'Pipe P: EnrichmentParameters.InputTemplate is set but the pipe has no Enrichment'],
    ['a resource of another type', { Type: 'AWS::SQS::Queue', Properties: {} }, 'Pipe P: expected a resource of type AWS::Pipes::Pipe, got AWS::SQS::Queue'],
  ])('refuses %s', (_name, res, message) => {
    const props = res.Properties as Record<string, unknown>;
    for (const key of Object.keys(props)) if (props[key] === undefined) delete props[key];
    expect(() => pipeFromTemplate('P', res, resolve)).toThrow(message);
  });

  test('refuses a filter pattern Pipes would reject', () => {
    expect(() => pipeFromTemplate('P', resource({ SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 10 }, FilterCriteria: { Filters: [{ Pattern: '{"eventName":"INSERT"}' }] } } }), resolve))
      .toThrow(/^Pipe P: SourceParameters.FilterCriteria.Filters\[0\].Pattern is not a valid Pipes filter pattern: /);
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
