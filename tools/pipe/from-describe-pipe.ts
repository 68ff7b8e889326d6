/**
 * Reads a pipe the way it exists in AWS: the Pipes API's `DescribePipe` response
 * (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_DescribePipe.html), turned into
 * the {@link PipeDefinition} the replay executes. Only what the replay can execute is accepted: a
 * DynamoDB stream source, an optional Lambda enrichment and an SQS target. Anything else is refused
 * with a message naming the field, never ignored.
 */
import type { DescribePipeCommandOutput, DescribePipeResponse } from '@aws-sdk/client-pipes';
import { PipeDefinition, pipeArnOf } from './definition';
import { UnsupportedPipeError, validatePipe } from './validate';

export { UnsupportedPipeError } from './validate';

/**
 * Turns a `DescribePipe` response into the pipe the replay executes, checked by the same validation
 * as a pipe read from a template (validate.ts).
 *
 * @throws UnsupportedPipeError naming the field when the pipe has a source, enrichment or target
 *   these tools cannot execute, or a value the Pipes API refuses.
 */
export function pipeFromDescribePipe(response: DescribePipeResponse | DescribePipeCommandOutput): PipeDefinition {
  if (!response.Name) {
    throw new UnsupportedPipeError('DescribePipe returned no Name');
  }
  return validatePipe(response);
}

/** The `DescribePipe` response for a pipe, as the Pipes API returns it: the inverse of {@link pipeFromDescribePipe}. */
export function describePipeResponse(pipe: PipeDefinition, times: { created: Date; modified: Date }): DescribePipeResponse {
  const source = pipe.source;
  return {
    Arn: pipeArnOf(pipe),
    Name: pipe.name,
    DesiredState: pipe.desiredState,
    CurrentState: pipe.desiredState,
    Source: source.streamArn,
    SourceParameters: {
      ...(pipe.filterPatterns.length > 0 ? { FilterCriteria: { Filters: pipe.filterPatterns.map(Pattern => ({ Pattern })) } } : {}),
      DynamoDBStreamParameters: {
        StartingPosition: source.startingPosition,
        BatchSize: source.batchSize,
        MaximumBatchingWindowInSeconds: source.maximumBatchingWindowSeconds,
        MaximumRetryAttempts: source.maximumRetryAttempts,
        MaximumRecordAgeInSeconds: source.maximumRecordAgeSeconds,
        ParallelizationFactor: source.parallelizationFactor,
        ...(source.onPartialBatchItemFailure ? { OnPartialBatchItemFailure: source.onPartialBatchItemFailure } : {}),
        ...(source.deadLetterQueueArn ? { DeadLetterConfig: { Arn: source.deadLetterQueueArn } } : {}),
      },
    },
    ...(pipe.enrichment ? {
      Enrichment: pipe.enrichment.arn,
      ...(pipe.enrichment.inputTemplate !== undefined ? { EnrichmentParameters: { InputTemplate: pipe.enrichment.inputTemplate } } : {}),
    } : {}),
    Target: pipe.target.queueArn,
    TargetParameters: {
      ...(pipe.target.inputTemplate !== undefined ? { InputTemplate: pipe.target.inputTemplate } : {}),
      SqsQueueParameters: {
        ...(pipe.target.messageGroupId !== undefined ? { MessageGroupId: pipe.target.messageGroupId } : {}),
        ...(pipe.target.messageDeduplicationId !== undefined ? { MessageDeduplicationId: pipe.target.messageDeduplicationId } : {}),
      },
    },
    ...(pipe.logging ? {
      LogConfiguration: { Level: pipe.logging.level, ...(pipe.logging.includeExecutionData ? { IncludeExecutionData: ['ALL'] } : {}) },
    } : {}),
    CreationTime: times.created,
    LastModifiedTime: times.modified,
  };
}
