/**
 * An EventBridge pipe with a DynamoDB stream source, an optional enrichment and an SQS target, in
 * the form the local pipe runner and the replay tool execute it. It is read either from a
 * synthesized CloudFormation template (`AWS::Pipes::Pipe`, see from-template.ts) or from the Pipes API's
 * `DescribePipe` response (see from-describe-pipe.ts), so that the same code runs locally and in AWS.
 *
 * Names follow the Pipes API (`PipeSourceDynamoDBStreamParameters`, `PipeTargetSqsQueueParameters`):
 * https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html
 */
import { PIPES_LIMITS } from '../../src/private/pipes-limits';
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
export const SQS_TARGET_BATCH_SIZE_LIMIT = PIPES_LIMITS.batchSizeWithSqsTarget.max;

/** The ARN of a pipe, given or derived from its name and its source's partition, region and account. */
export function pipeArnOf(pipe: PipeDefinition): string {
  if (pipe.arn) {
    return pipe.arn;
  }
  const { partition, region, accountId } = parseArn(pipe.source.streamArn);
  return buildArn({ partition, service: 'pipes', region, accountId, resource: `pipe/${pipe.name}` });
}
