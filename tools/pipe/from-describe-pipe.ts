/**
 * Reads a pipe the way it exists in AWS: the Pipes API's `DescribePipe` response
 * (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_DescribePipe.html), turned into
 * the {@link PipeDefinition} the replay executes. Only what the replay can execute is accepted: a
 * DynamoDB stream source, an optional Lambda enrichment and an SQS target. Anything else is refused
 * with a message naming the field, never ignored.
 */
import type { DescribePipeCommandOutput, DescribePipeResponse } from '@aws-sdk/client-pipes';
import { DYNAMODB_STREAM_ARN, LAMBDA_FUNCTION_ARN, PipeDefinition, pipeArnOf, SQS_QUEUE_ARN, sourceProblem } from './definition';

/** The pipe cannot be executed by these tools. */
export class UnsupportedPipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPipeError';
  }
}

/**
 * Turns a `DescribePipe` response into the pipe the replay executes.
 *
 * @throws UnsupportedPipeError naming the field when the pipe has a source, enrichment or target
 *   these tools cannot execute, or a value outside the Pipes API's range.
 */
export function pipeFromDescribePipe(response: DescribePipeResponse | DescribePipeCommandOutput): PipeDefinition {
  const name = response.Name;
  if (!name) {
    throw new UnsupportedPipeError('DescribePipe returned no Name');
  }
  const refuse = (what: string): never => {
    throw new UnsupportedPipeError(`Pipe ${name}: ${what}`);
  };

  const desiredState = response.DesiredState;
  if (desiredState !== 'RUNNING' && desiredState !== 'STOPPED') {
    return refuse(desiredState === 'DELETED'
      ? 'DesiredState is DELETED (the pipe is being deleted)'
      : `DesiredState ${JSON.stringify(desiredState)} is not RUNNING or STOPPED`);
  }

  const streamArn = response.Source;
  if (!streamArn || !DYNAMODB_STREAM_ARN.test(streamArn)) {
    refuse(`Source ${JSON.stringify(streamArn)} is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>); `
      + 'only pipes with a DynamoDB stream source can be executed');
  }
  const parameters = response.SourceParameters?.DynamoDBStreamParameters;
  if (!parameters) {
    refuse('SourceParameters.DynamoDBStreamParameters is missing');
  }
  const startingPosition = parameters!.StartingPosition;
  if (startingPosition !== 'LATEST' && startingPosition !== 'TRIM_HORIZON') {
    refuse(`SourceParameters.DynamoDBStreamParameters.StartingPosition ${JSON.stringify(startingPosition)} is not LATEST or TRIM_HORIZON`);
  }
  const onPartialBatchItemFailure = parameters!.OnPartialBatchItemFailure;
  if (onPartialBatchItemFailure !== undefined && onPartialBatchItemFailure !== 'AUTOMATIC_BISECT') {
    refuse(`SourceParameters.DynamoDBStreamParameters.OnPartialBatchItemFailure ${JSON.stringify(onPartialBatchItemFailure)} is not AUTOMATIC_BISECT`);
  }
  const source = {
    batchSize: parameters!.BatchSize ?? undefined,
    maximumBatchingWindowSeconds: parameters!.MaximumBatchingWindowInSeconds ?? 0,
    maximumRetryAttempts: parameters!.MaximumRetryAttempts ?? -1,
    maximumRecordAgeSeconds: parameters!.MaximumRecordAgeInSeconds ?? -1,
    parallelizationFactor: parameters!.ParallelizationFactor ?? 1,
  };
  const problem = sourceProblem(source);
  if (problem) {
    refuse(problem);
  }
  const deadLetterQueueArn = parameters!.DeadLetterConfig?.Arn;
  if (deadLetterQueueArn !== undefined && !SQS_QUEUE_ARN.test(deadLetterQueueArn)) {
    refuse(`SourceParameters.DynamoDBStreamParameters.DeadLetterConfig.Arn ${JSON.stringify(deadLetterQueueArn)} is not an SQS queue ARN`);
  }

  const filterPatterns = (response.SourceParameters?.FilterCriteria?.Filters ?? []).map((filter, i) => {
    const pattern = filter.Pattern;
    if (typeof pattern !== 'string' || pattern === '') {
      refuse(`SourceParameters.FilterCriteria.Filters[${i}].Pattern is missing`);
    }
    try {
      JSON.parse(pattern!);
    } catch (error) {
      refuse(`SourceParameters.FilterCriteria.Filters[${i}].Pattern is not JSON (${(error as Error).message})`);
    }
    return pattern!;
  });

  let enrichment: PipeDefinition['enrichment'];
  if (response.Enrichment) {
    if (!LAMBDA_FUNCTION_ARN.test(response.Enrichment)) {
      refuse(`Enrichment ${JSON.stringify(response.Enrichment)} is not a Lambda function ARN; only Lambda enrichments can be executed`);
    }
    if (response.EnrichmentParameters?.HttpParameters !== undefined) {
      refuse('EnrichmentParameters.HttpParameters is set; it applies to API destination enrichments, which cannot be executed');
    }
    const inputTemplate = response.EnrichmentParameters?.InputTemplate;
    enrichment = { arn: response.Enrichment, ...(inputTemplate !== undefined ? { inputTemplate } : {}) };
  } else if (response.EnrichmentParameters?.InputTemplate !== undefined || response.EnrichmentParameters?.HttpParameters !== undefined) {
    refuse('EnrichmentParameters are set but there is no Enrichment');
  }

  const queueArn = response.Target;
  if (!queueArn || !SQS_QUEUE_ARN.test(queueArn)) {
    refuse(`Target ${JSON.stringify(queueArn)} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>); only SQS targets can be executed`);
  }
  const { InputTemplate: targetTemplate, SqsQueueParameters: sqsParameters, ...otherTargetParameters } = response.TargetParameters ?? {};
  const otherTargetKinds = Object.entries(otherTargetParameters).filter(([, value]) => value !== undefined).map(([key]) => key);
  if (otherTargetKinds.length > 0) {
    refuse(`TargetParameters.${otherTargetKinds.join(', TargetParameters.')} set for an SQS target; only SqsQueueParameters and InputTemplate apply`);
  }

  return {
    name,
    ...(response.Arn ? { arn: response.Arn } : {}),
    desiredState: desiredState!,
    source: {
      streamArn: streamArn!,
      startingPosition: startingPosition!,
      batchSize: source.batchSize!,
      maximumBatchingWindowSeconds: source.maximumBatchingWindowSeconds,
      maximumRetryAttempts: source.maximumRetryAttempts,
      maximumRecordAgeSeconds: source.maximumRecordAgeSeconds,
      ...(onPartialBatchItemFailure ? { onPartialBatchItemFailure: 'AUTOMATIC_BISECT' as const } : {}),
      parallelizationFactor: source.parallelizationFactor,
      ...(deadLetterQueueArn ? { deadLetterQueueArn } : {}),
    },
    filterPatterns,
    ...(enrichment ? { enrichment } : {}),
    target: {
      queueArn: queueArn!,
      ...(targetTemplate !== undefined ? { inputTemplate: targetTemplate } : {}),
      ...(sqsParameters?.MessageGroupId !== undefined ? { messageGroupId: sqsParameters.MessageGroupId } : {}),
      ...(sqsParameters?.MessageDeduplicationId !== undefined ? { messageDeduplicationId: sqsParameters.MessageDeduplicationId } : {}),
    },
  };
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
    CreationTime: times.created,
    LastModifiedTime: times.modified,
  };
}
