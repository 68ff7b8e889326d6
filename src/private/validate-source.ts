/**
 * The source: the table's stream, and the source tuning props against the Pipes API's ranges.
 */
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { IConstruct } from 'constructs';
import { PIPES_ENUMS, PIPES_LIMITS } from './pipes-limits';
import { streamViewType, tableHasStream } from './table-inspection';
import { invalid, validateEnum, validateRange } from './validation';
import type { EnrichedStreamToQueueProps } from '../enriched-stream-to-queue';

/** Refuses a table without a stream and source tuning outside the Pipes API's ranges (tokens pass). */
export function validateSource(scope: IConstruct, props: EnrichedStreamToQueueProps): void {
  if (!tableHasStream(props.table)) {
    invalid(scope, 'table must have a stream: set \'stream\' on a Table, \'dynamoStream\' on a TableV2, or \'tableStreamArn\' when importing a table');
  }
  validateEnum(scope, 'startingPosition', props.startingPosition, PIPES_ENUMS.startingPosition, 'DynamoDBStartingPosition');
  validateEnum(scope, 'onPartialBatchItemFailure', props.onPartialBatchItemFailure, PIPES_ENUMS.onPartialBatchItemFailure, 'OnPartialBatchItemFailure');
  validateRange(scope, 'batchSize', props.batchSize, PIPES_LIMITS.batchSizeWithSqsTarget);
  validateRange(scope, 'maximumBatchingWindow', props.maximumBatchingWindow, PIPES_LIMITS.maximumBatchingWindowInSeconds);
  // Unset is the API's -1 (infinite); a Duration cannot say -1.
  validateRange(scope, 'maximumRecordAge', props.maximumRecordAge, { ...PIPES_LIMITS.maximumRecordAgeInSeconds, infinite: undefined },
    '; leave it unset to keep records until they leave the stream');
  validateRange(scope, 'maximumRetryAttempts', props.maximumRetryAttempts, { ...PIPES_LIMITS.maximumRetryAttempts, infinite: undefined });
  validateRange(scope, 'parallelizationFactor', props.parallelizationFactor, PIPES_LIMITS.parallelizationFactor);
}

/**
 * Refuses a stream in another Region than the stack, when both are known at synthesis.
 * DynamoDB Streams has one endpoint per Region
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html#Streams.Endpoints) and
 * the EventBridge Pipes documentation describes no cross-Region source
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html).
 */
export function validateStreamRegion(scope: IConstruct, table: dynamodb.ITable): void {
  const streamArn = table.tableStreamArn;
  const stackRegion = Stack.of(scope).region;
  if (streamArn === undefined || Token.isUnresolved(streamArn) || Token.isUnresolved(stackRegion)) {
    return;
  }
  const streamRegion = streamArn.split(':')[3];
  if (streamRegion && streamRegion !== stackRegion) {
    invalid(scope, `table's stream must be in the stack's Region (${stackRegion}), got ${streamRegion}: a pipe reads a DynamoDB stream of its own Region. `
      + `Deploy the pipe in ${streamRegion}`);
  }
}

/**
 * Warns when the stream carries no new image: the enrichment would see only keys or old images.
 */
export function warnWithoutNewImage(scope: IConstruct, table: dynamodb.ITable): void {
  const viewType = streamViewType(table);
  if (viewType === dynamodb.StreamViewType.KEYS_ONLY || viewType === dynamodb.StreamViewType.OLD_IMAGE) {
    Annotations.of(scope).addWarningV2('cdk-enriched-stream-to-queue:streamWithoutNewImage',
      `The table's stream view type is ${viewType}: records carry no new image, so the enrichment and a filter on dynamodb.NewImage see none. Use NEW_IMAGE or NEW_AND_OLD_IMAGES.`);
  }
}
