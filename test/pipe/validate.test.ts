// One validation of a pipe (tools/pipe/validate.ts) behind both readers: every case below runs through
// the template reader (a synthesized AWS::Pipes::Pipe) and the DescribePipe reader (the replay), and
// both must accept it as the same pipe or refuse it with the same words.
// Limits: https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html,
// https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_FilterCriteria.html (at most 5 filters),
// https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Filter.html (patterns of at most 4096 characters),
// https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetParameters.html (input templates of at most 8192),
// https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetSqsQueueParameters.html (group and deduplication ids of at most 100),
// https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Pipe.html (pipe names).
import type { DescribePipeResponse } from '@aws-sdk/client-pipes';
import type { PipeDefinition } from '../../tools/pipe/definition';
import { pipeFromDescribePipe, UnsupportedPipeError } from '../../tools/pipe/from-describe-pipe';
import { pipeFromTemplate } from '../../tools/pipe/from-template';
import type { PipeFields } from '../../tools/pipe/validate';

const STREAM = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/2026-01-01T00:00:00.000';
const QUEUE = 'arn:aws:sqs:eu-west-1:123456789012:orders';
const FUNCTION = 'arn:aws:lambda:eu-west-1:123456789012:function:enrich';

/** The least a pipe can be: named `p`, as the template reader names a pipe by its logical id `p`. */
const BASE = {
  Name: 'p',
  DesiredState: 'RUNNING',
  Source: STREAM,
  SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 10 } },
  Target: QUEUE,
};

const ddb = (parameters: Record<string, unknown>) => ({
  ...BASE, SourceParameters: { DynamoDBStreamParameters: { ...BASE.SourceParameters.DynamoDBStreamParameters, ...parameters } },
});
const withFilters = (...patterns: unknown[]) => ({
  ...BASE, SourceParameters: { ...BASE.SourceParameters, FilterCriteria: { Filters: patterns.map((Pattern) => ({ Pattern })) } },
});

/** The fields without the members set to undefined (a template holds no undefined). */
function defined(fields: PipeFields): Record<string, unknown> {
  return JSON.parse(JSON.stringify(fields));
}

const readers: Record<string, (fields: PipeFields) => PipeDefinition> = {
  // The template holds literals only: a resolver hands strings back as they are.
  template: (fields) => pipeFromTemplate('p', { Type: 'AWS::Pipes::Pipe', Properties: defined(fields) }, (value) => {
    if (typeof value === 'string') return value;
    throw new Error(`no intrinsic to resolve: ${JSON.stringify(value)}`);
  }),
  describePipe: (fields) => pipeFromDescribePipe(defined(fields) as DescribePipeResponse),
};

/** What each reader says of the pipe: the definition, or the refusal. */
function outcomes(fields: PipeFields): Record<string, PipeDefinition | string> {
  return Object.fromEntries(Object.entries(readers).map(([name, read]) => {
    try {
      return [name, read(fields)];
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedPipeError);
      return [name, (error as Error).message];
    }
  }));
}

describe('both readers refuse exactly the same pipes, with the same message', () => {
  test.each<[string, PipeFields, string]>([
    // The Pipes API's own rules.
    ['a name the API refuses', { ...BASE, Name: 'my pipe' }, 'Name must be made of letters, digits, \'.\', \'-\' and \'_\' (pattern [\\.\\-_A-Za-z0-9]+), got the string "my pipe"'],
    ['an unknown desired state', { ...BASE, DesiredState: 'PAUSED' }, 'DesiredState "PAUSED" is not RUNNING or STOPPED'],
    ['a missing source', { ...BASE, Source: undefined }, 'Source is missing'],
    ['a missing target', { ...BASE, Target: undefined }, 'Target is missing'],
    ['no DynamoDBStreamParameters', { ...BASE, SourceParameters: {} }, 'SourceParameters.DynamoDBStreamParameters is missing'],
    ['a field PipeSourceDynamoDBStreamParameters does not have', ddb({ StartingPositionTimestamp: 1 }),
      'SourceParameters.DynamoDBStreamParameters.StartingPositionTimestamp is not a field of SourceParameters.DynamoDBStreamParameters; its fields: '
      + 'StartingPosition, BatchSize, MaximumBatchingWindowInSeconds, MaximumRetryAttempts, MaximumRecordAgeInSeconds, OnPartialBatchItemFailure, ParallelizationFactor, DeadLetterConfig'],
    ['no starting position', ddb({ StartingPosition: undefined }), 'SourceParameters.DynamoDBStreamParameters.StartingPosition is missing; allowed: LATEST, TRIM_HORIZON'],
    ['AT_TIMESTAMP (Kinesis only)', ddb({ StartingPosition: 'AT_TIMESTAMP' }), 'SourceParameters.DynamoDBStreamParameters.StartingPosition "AT_TIMESTAMP" is not LATEST or TRIM_HORIZON'],
    ['a batch size that is not an integer', ddb({ BatchSize: 2.5 }), 'SourceParameters.DynamoDBStreamParameters.BatchSize 2.5 is not an integer'],
    ['a batching window above 300 s', ddb({ MaximumBatchingWindowInSeconds: 301 }),
      'SourceParameters.DynamoDBStreamParameters.MaximumBatchingWindowInSeconds must be a whole number of seconds from 0 to 300, got 301 seconds'],
    ['retries above 10000', ddb({ MaximumRetryAttempts: 10001 }),
      'SourceParameters.DynamoDBStreamParameters.MaximumRetryAttempts must be -1 (infinite) or an integer from 0 to 10000, got 10001'],
    ['a record age below 60 s', ddb({ MaximumRecordAgeInSeconds: 30 }),
      'SourceParameters.DynamoDBStreamParameters.MaximumRecordAgeInSeconds must be -1 (infinite) or a whole number of seconds from 60 to 604800, got 30 seconds'],
    ['a parallelization factor above 10', ddb({ ParallelizationFactor: 11 }),
      'SourceParameters.DynamoDBStreamParameters.ParallelizationFactor must be an integer from 1 to 10, got 11'],
    ['an unknown partial failure mode', ddb({ OnPartialBatchItemFailure: 'NONE' }),
      'SourceParameters.DynamoDBStreamParameters.OnPartialBatchItemFailure "NONE" is not AUTOMATIC_BISECT'],
    ['six filters', withFilters(...Array(6).fill('{"eventName":["INSERT"]}')), 'SourceParameters.FilterCriteria.Filters must be a number of filter patterns from 0 to 5, got 6'],
    ['an empty pattern', withFilters(''), 'SourceParameters.FilterCriteria.Filters[0].Pattern is missing'],
    ['a pattern that is not JSON', withFilters('{eventName'),
      'SourceParameters.FilterCriteria.Filters[0].Pattern is not JSON (Expected property name or \'}\' in JSON at position 1)'],
    ['a pattern longer than 4096 characters', withFilters(`{"eventName":["${'x'.repeat(4100)}"]}`),
      'SourceParameters.FilterCriteria.Filters[0].Pattern must be a string from 0 to 4096 characters long, got 4118 characters'],
    ['a match value that is not in an array', withFilters('{"eventName":"INSERT"}'),
      'SourceParameters.FilterCriteria.Filters[0].Pattern is not a valid Pipes filter pattern: eventName: must be an array of match values or an object, got a string'],
    ['an operator only event buses support', withFilters('{"eventName":["INSERT"]}', '{"eventName":[{"wildcard":"IN*"}]}'),
      'SourceParameters.FilterCriteria.Filters[1].Pattern is not a valid Pipes filter pattern: eventName: the "wildcard" operator is not supported by EventBridge Pipes filters'],
    ['an enrichment input template with an unknown variable', { ...BASE, Enrichment: FUNCTION, EnrichmentParameters: { InputTemplate: '<aws.pipes.foo>' } },
      'EnrichmentParameters.InputTemplate uses <aws.pipes.foo>, which is not a reserved variable of EventBridge Pipes; allowed: <aws.pipes.pipe-arn>, '
      + '<aws.pipes.pipe-name>, <aws.pipes.source-arn>, <aws.pipes.enrichment-arn>, <aws.pipes.target-arn>, <aws.pipes.event.ingestion-time>, <aws.pipes.event>, <aws.pipes.event.json>'],
    ['a target input template longer than 8192 characters', { ...BASE, TargetParameters: { InputTemplate: `"${'x'.repeat(8192)}"` } },
      'TargetParameters.InputTemplate must be a string from 0 to 8192 characters long, got 8194 characters'],
    ['a message group id path Pipes does not support', { ...BASE, TargetParameters: { SqsQueueParameters: { MessageGroupId: '$..id' } } },
      'TargetParameters.SqsQueueParameters.MessageGroupId uses the JSON path <$..id>, which EventBridge Pipes does not support; '
      + 'use dot notation with letters, digits, \'-\', \'_\', \'/\', array indices such as [0] and the wildcard *'],
    ['a deduplication id longer than 100 characters', { ...BASE, TargetParameters: { SqsQueueParameters: { MessageDeduplicationId: 'x'.repeat(101) } } },
      'TargetParameters.SqsQueueParameters.MessageDeduplicationId must be a string from 0 to 100 characters long, got 101 characters'],
    ['an unknown log level', { ...BASE, LogConfiguration: { Level: 'DEBUG' } }, 'LogConfiguration.Level "DEBUG" is not OFF, ERROR, INFO or TRACE'],
    ['execution data other than ALL', { ...BASE, LogConfiguration: { Level: 'INFO', IncludeExecutionData: ['NONE'] } },
      'LogConfiguration.IncludeExecutionData ["NONE"] is not ["ALL"] or []'],
    // What the local tools cannot execute.
    ['a Kinesis source', { ...BASE, Source: 'arn:aws:kinesis:eu-west-1:123456789012:stream/s' },
      'Source "arn:aws:kinesis:eu-west-1:123456789012:stream/s" is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>); '
      + 'only pipes with a DynamoDB stream source can be executed'],
    ['source parameters of another source', { ...BASE, SourceParameters: { ...BASE.SourceParameters, SqsQueueParameters: { BatchSize: 1 } } },
      'SourceParameters.SqsQueueParameters set for a DynamoDB stream source; only DynamoDBStreamParameters and FilterCriteria apply'],
    ['no batch size (AWS documents no default to honour)', ddb({ BatchSize: undefined }),
      'SourceParameters.DynamoDBStreamParameters.BatchSize must be set: AWS documents no default for a DynamoDB stream source; set 1 to 10 for an SQS target'],
    ['a batch larger than an SQS target takes', ddb({ BatchSize: 11 }),
      'SourceParameters.DynamoDBStreamParameters.BatchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got 11'],
    ['an SNS dead-letter topic', ddb({ DeadLetterConfig: { Arn: 'arn:aws:sns:eu-west-1:123456789012:t' } }),
      'SourceParameters.DynamoDBStreamParameters.DeadLetterConfig.Arn "arn:aws:sns:eu-west-1:123456789012:t" is not an SQS queue ARN; only dead-letter queues in SQS can be written'],
    ['a Step Functions enrichment', { ...BASE, Enrichment: 'arn:aws:states:eu-west-1:123456789012:stateMachine:m' },
      'Enrichment "arn:aws:states:eu-west-1:123456789012:stateMachine:m" is not a Lambda function ARN; only Lambda enrichments can be executed'],
    ['HttpParameters on a Lambda enrichment', { ...BASE, Enrichment: FUNCTION, EnrichmentParameters: { HttpParameters: { HeaderParameters: { a: 'b' } } } },
      'EnrichmentParameters.HttpParameters is set; it applies to API destination enrichments, which cannot be executed'],
    ['enrichment parameters without an enrichment', { ...BASE, EnrichmentParameters: { InputTemplate: '{}' } }, 'EnrichmentParameters are set but there is no Enrichment'],
    ['an SNS target', { ...BASE, Target: 'arn:aws:sns:eu-west-1:123456789012:topic' },
      'Target "arn:aws:sns:eu-west-1:123456789012:topic" is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>); only SQS targets can be executed'],
    ['target parameters of another target', { ...BASE, TargetParameters: { LambdaFunctionParameters: { InvocationType: 'FIRE_AND_FORGET' } } },
      'TargetParameters.LambdaFunctionParameters set for an SQS target; only SqsQueueParameters and InputTemplate apply'],
  ])('%s', (_label, fields, problem) => {
    // The template reader names the pipe by its logical id (`p`), the DescribePipe reader by its Name.
    expect(outcomes(fields)).toEqual({ template: `Pipe p: ${problem}`, describePipe: `Pipe ${fields.Name}: ${problem}` });
  });
});

describe('both readers read an accepted pipe as the same definition', () => {
  test('the least a pipe can be, with the service defaults', () => {
    const expected: PipeDefinition = {
      name: 'p',
      desiredState: 'RUNNING',
      source: {
        streamArn: STREAM,
        startingPosition: 'LATEST',
        batchSize: 10,
        maximumBatchingWindowSeconds: 0,
        maximumRetryAttempts: -1,
        maximumRecordAgeSeconds: -1,
        parallelizationFactor: 1,
      },
      filterPatterns: [],
      target: { queueArn: QUEUE },
    };
    expect(outcomes(BASE)).toEqual({ template: expected, describePipe: expected });
  });

  test('every field set, five filters, logging, and "" as no input template', () => {
    const fields = {
      Name: 'p',
      DesiredState: 'STOPPED',
      Source: STREAM,
      SourceParameters: {
        DynamoDBStreamParameters: {
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 5,
          MaximumBatchingWindowInSeconds: 300,
          MaximumRetryAttempts: 0,
          MaximumRecordAgeInSeconds: 60,
          OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          ParallelizationFactor: 10,
          DeadLetterConfig: { Arn: `${QUEUE}-dlq` },
        },
        FilterCriteria: { Filters: ['INSERT', 'MODIFY', 'REMOVE', 'INSERT', 'MODIFY'].map((name) => ({ Pattern: `{"eventName":["${name}"]}` })) },
      },
      Enrichment: `${FUNCTION}:live`,
      EnrichmentParameters: { InputTemplate: '' },
      Target: `${QUEUE}.fifo`,
      TargetParameters: { InputTemplate: '{"id": <$.id>}', SqsQueueParameters: { MessageGroupId: '$.id', MessageDeduplicationId: 'x'.repeat(100) } },
      LogConfiguration: { Level: 'TRACE', IncludeExecutionData: ['ALL'], CloudwatchLogsLogDestination: { LogGroupArn: 'arn:aws:logs:eu-west-1:123456789012:log-group:g' } },
    };
    const { template, describePipe } = outcomes(fields);
    expect(template).toEqual(describePipe);
    expect(template).toMatchObject({
      desiredState: 'STOPPED',
      source: { maximumBatchingWindowSeconds: 300, maximumRetryAttempts: 0, maximumRecordAgeSeconds: 60, parallelizationFactor: 10, deadLetterQueueArn: `${QUEUE}-dlq` },
      enrichment: { arn: `${FUNCTION}:live` },
      target: { queueArn: `${QUEUE}.fifo`, inputTemplate: '{"id": <$.id>}', messageGroupId: '$.id' },
      logging: { level: 'TRACE', includeExecutionData: true },
    });
    expect((template as PipeDefinition).filterPatterns).toHaveLength(5);
    expect((template as PipeDefinition).enrichment).toEqual({ arn: `${FUNCTION}:live` });
  });

  // The Pipes API accepts this pattern; that it can never match a stream record (no type key under
  // NewImage) is a lint, the construct's to report.
  test('accepts a pattern EventBridge accepts even when it is useless (lints are the construct\'s)', () => {
    const { template, describePipe } = outcomes(withFilters('{"dynamodb":{"NewImage":{"status":["OPEN"]}}}'));
    expect(typeof template).toBe('object');
    expect(typeof describePipe).toBe('object');
  });
});
