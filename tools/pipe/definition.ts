/**
 * An EventBridge pipe with a DynamoDB stream source, an optional enrichment and an SQS target, in
 * the form the local pipe runner and the replay tool execute it. It is read either from a
 * synthesized CloudFormation template (`AWS::Pipes::Pipe`, see from-template.ts) or from the Pipes API's
 * `DescribePipe` response (see from-describe-pipe.ts), so that the same code runs locally and in AWS.
 *
 * Names follow the Pipes API (`PipeSourceDynamoDBStreamParameters`, `PipeTargetSqsQueueParameters`):
 * https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html
 */
import { buildArn, parseArn } from '../cloudformation/arn';

/** How the pipe reads the DynamoDB stream. */
export interface PipeSourceDefinition {
  /** The stream's ARN. */
  readonly streamArn: string;
  /** `LATEST` or `TRIM_HORIZON`. */
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON';
  /** Records per batch. */
  readonly batchSize: number;
  /** How long the pipe may wait to fill a batch, in seconds (0: no wait). */
  readonly maximumBatchingWindowSeconds: number;
  /** Retries of a failed batch; -1 means infinite (the service's default). */
  readonly maximumRetryAttempts: number;
  /** Records older than this (seconds) are discarded to the dead-letter queue; -1 means infinite. */
  readonly maximumRecordAgeSeconds: number;
  /** `AUTOMATIC_BISECT`, or undefined when the batch is retried whole. */
  readonly onPartialBatchItemFailure?: 'AUTOMATIC_BISECT';
  /** Batches of one shard processed at once. */
  readonly parallelizationFactor: number;
  /** The ARN of the source dead-letter queue (an SQS queue), if any. */
  readonly deadLetterQueueArn?: string;
}

/** The enrichment step. */
export interface PipeEnrichmentDefinition {
  /** The ARN of the enrichment. Only Lambda functions (`arn:...:lambda:...:function:...`) are executed by these tools. */
  readonly arn: string;
  /** `EnrichmentParameters.InputTemplate`, if any. */
  readonly inputTemplate?: string;
}

/** The SQS target. */
export interface PipeTargetDefinition {
  /** The ARN of the target queue. */
  readonly queueArn: string;
  /** `TargetParameters.InputTemplate`, if any. */
  readonly inputTemplate?: string;
  /** `SqsQueueParameters.MessageGroupId`: a static value or a JSON path such as `$.id`. */
  readonly messageGroupId?: string;
  /** `SqsQueueParameters.MessageDeduplicationId`: a static value or a JSON path. */
  readonly messageDeduplicationId?: string;
}

/**
 * `LogConfiguration`: which execution steps are logged, and whether with execution data.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-logs.html
 */
export interface PipeLoggingDefinition {
  /** `OFF`, `ERROR`, `INFO` or `TRACE`. */
  readonly level: 'OFF' | 'ERROR' | 'INFO' | 'TRACE';
  /** `IncludeExecutionData: ["ALL"]`: log records carry `payload`, `awsRequest` and `awsResponse`. */
  readonly includeExecutionData: boolean;
}

/** A pipe, as the local runner and the replay tool execute it. */
export interface PipeDefinition {
  /** The pipe's name (the logical id of a template resource without `Name`). */
  readonly name: string;
  /** The pipe's ARN, where known (`aws.pipes.pipe-arn` in input templates and `context.partnerResourceArn` in dead-letter messages). */
  readonly arn?: string;
  /** `RUNNING` or `STOPPED`. */
  readonly desiredState: 'RUNNING' | 'STOPPED';
  readonly source: PipeSourceDefinition;
  /** The filter patterns as JSON strings; a record passes when it matches any. Empty: every record passes. */
  readonly filterPatterns: readonly string[];
  readonly enrichment?: PipeEnrichmentDefinition;
  readonly target: PipeTargetDefinition;
  /** `LogConfiguration`; absent: nothing is logged (the service's default, level `OFF`). */
  readonly logging?: PipeLoggingDefinition;
}

/** The most records one batch may hold with an SQS target (SendMessageBatch takes 10 entries). */
export const SQS_TARGET_BATCH_SIZE_LIMIT = 10;

/**
 * Limits of the Pipes API's CreatePipe request (the tools' copy, until src/private/pipes-limits.ts is
 * the one copy):
 * - `Name`: 1 to 64 characters of `[.\-_A-Za-z0-9]`: https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Pipe.html
 * - `FilterCriteria.Filters`: at most 5: https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_FilterCriteria.html
 * - `Filter.Pattern`: at most 4096 characters: https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Filter.html
 * - `InputTemplate`: at most 8192 characters, "to remove an input template, specify an empty string":
 *   https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetParameters.html,
 *   https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeEnrichmentParameters.html
 * - `MessageGroupId`, `MessageDeduplicationId`: at most 100 characters:
 *   https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetSqsQueueParameters.html
 */
export const PIPES_API_LIMITS = {
  pipeName: /^[.\-_A-Za-z0-9]{1,64}$/,
  pipeNameMaxLength: 64,
  filters: 5,
  patternLength: 4096,
  inputTemplateLength: 8192,
  sqsParameterLength: 100,
} as const;

/**
 * What the local runner and the replay need of a DynamoDB stream source, whether the pipe was read
 * from a template or from DescribePipe, so that both accept exactly the same pipes. Ranges from
 * https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html;
 * with an SQS target a batch holds at most 10 records
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html).
 * AWS documents no default batch size for this source, so an unset one is refused rather than guessed.
 *
 * @returns what is wrong, or undefined
 */
export function sourceProblem(source: {
  readonly batchSize?: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeSeconds: number;
  readonly parallelizationFactor: number;
}): string | undefined {
  const field = 'SourceParameters.DynamoDBStreamParameters';
  const outside = (value: number, min: number, max: number) => !Number.isInteger(value) || value < min || value > max;
  if (source.batchSize === undefined) {
    return `${field}.BatchSize is not set, and AWS documents no default for a DynamoDB stream source; set 1 to ${SQS_TARGET_BATCH_SIZE_LIMIT} for an SQS target`;
  }
  if (outside(source.batchSize, 1, SQS_TARGET_BATCH_SIZE_LIMIT)) {
    return `${field}.BatchSize ${source.batchSize} is out of range for an SQS target; allowed: 1 to ${SQS_TARGET_BATCH_SIZE_LIMIT}`;
  }
  if (outside(source.maximumBatchingWindowSeconds, 0, 300)) {
    return `${field}.MaximumBatchingWindowInSeconds ${source.maximumBatchingWindowSeconds} is out of range; allowed: 0 to 300`;
  }
  if (outside(source.maximumRetryAttempts, -1, 10000)) {
    return `${field}.MaximumRetryAttempts ${source.maximumRetryAttempts} is out of range; allowed: -1 (infinite) or 0 to 10000`;
  }
  const age = source.maximumRecordAgeSeconds;
  if (age !== -1 && outside(age, 60, 604800)) {
    return `${field}.MaximumRecordAgeInSeconds ${age} is out of range; allowed: -1 (infinite) or 60 to 604800`;
  }
  if (outside(source.parallelizationFactor, 1, 10)) {
    return `${field}.ParallelizationFactor ${source.parallelizationFactor} is out of range; allowed: 1 to 10`;
  }
  return undefined;
}

/** The ARN of a pipe, given or derived from its name and its source's partition, region and account. */
export function pipeArnOf(pipe: PipeDefinition): string {
  if (pipe.arn) {
    return pipe.arn;
  }
  const { partition, region, accountId } = parseArn(pipe.source.streamArn);
  return buildArn({ partition, service: 'pipes', region, accountId, resource: `pipe/${pipe.name}` });
}
