/**
 * The queues: the target queue (FIFO settings), the source dead-letter queue, and props that apply
 * only to queues this construct creates.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { IConstruct } from 'constructs';
import { PIPES_LIMITS, PipesLimit } from './pipes-limits';
import { invalid, validateRange } from './validation';
import type { EnrichedStreamToQueueProps } from '../enriched-stream-to-queue';

/** SQS `RedrivePolicy.maxReceiveCount`. */
const MAX_RECEIVE_COUNT: PipesLimit = {
  min: 1,
  max: 1000,
  source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html',
};

/** Refuses queue props that the Pipes API or SQS would reject, or that would be silently ignored. */
export function validateQueues(scope: IConstruct, props: EnrichedStreamToQueueProps): void {
  validateRange(scope, 'messageGroupId', props.messageGroupId, PIPES_LIMITS.messageGroupId);
  validateRange(scope, 'messageDeduplicationId', props.messageDeduplicationId, PIPES_LIMITS.messageDeduplicationId);
  if (props.maxReceiveCount !== undefined && props.queue) {
    invalid(scope, 'maxReceiveCount must be unset when queue is given: it applies only to the queue this construct creates; configure the dead-letter queue of the queue you pass in');
  }
  if (props.encryptionKey && props.queue && props.sourceDeadLetterQueue) {
    invalid(scope, 'encryptionKey must be unset when both queue and sourceDeadLetterQueue are given: it applies only to queues this construct creates');
  }
  validateRange(scope, 'maxReceiveCount', props.maxReceiveCount, MAX_RECEIVE_COUNT);
  // The Pipes DeadLetterConfig holds only an ARN, with no message group id
  // (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_DeadLetterConfig.html), while a FIFO
  // queue refuses a message without one (MessageGroupId: "required for FIFO queues",
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html). No Pipes page
  // says so in words; EventBridge's own dead-letter queues are standard queues only
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-event-delivery.html#eb-rule-dlq).
  if (props.sourceDeadLetterQueue?.fifo) {
    invalid(scope, 'sourceDeadLetterQueue must be a standard queue, got a FIFO queue: EventBridge Pipes cannot send to a FIFO dead-letter queue');
  }
  if (props.queue && props.sourceDeadLetterQueue && sameQueue(props.queue, props.sourceDeadLetterQueue)) {
    invalid(scope, 'sourceDeadLetterQueue must be another queue than queue, got the same queue: the descriptions of failed batches would arrive '
      + 'among the enriched records, and the consumer would take them for records');
  }
}

/**
 * Refuses what makes every send to the target queue fail:
 * - a FIFO queue without a message group (SQS requires one, 1 to 128 characters, on every message
 *   of a FIFO queue: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html);
 * - a FIFO queue created in this app without content-based deduplication and no
 *   `messageDeduplicationId` (SendMessage fails without either; same page). An imported queue's
 *   setting is unknown here, so it is not checked.
 */
export function validateTargetQueue(scope: IConstruct, queue: sqs.IQueue, props: EnrichedStreamToQueueProps): void {
  if (queue.fifo && props.messageGroupId === undefined) {
    invalid(scope, 'messageGroupId must be given when the queue is a FIFO queue, for example \'$.id\' (a path into what the enrichment returns)');
  }
  if (queue.fifo && props.messageGroupId === '') {
    invalid(scope, 'messageGroupId must not be empty when the queue is a FIFO queue, got the string "": SQS requires a message group of 1 to 128 characters on every message');
  }
  if (!queue.fifo && props.messageDeduplicationId !== undefined) {
    invalid(scope, 'messageDeduplicationId must be unset when the queue is a standard queue: it applies only to a FIFO queue');
  }
  if (queue.fifo && props.messageDeduplicationId === undefined) {
    const resource = queue.node.defaultChild;
    if (resource instanceof sqs.CfnQueue) {
      const contentBased = Stack.of(queue).resolve(resource.contentBasedDeduplication);
      if (contentBased !== true && !Token.isUnresolved(resource.contentBasedDeduplication)) {
        invalid(scope, 'messageDeduplicationId must be given when the FIFO queue has no content-based deduplication: SQS would refuse every message. '
          + 'Set messageDeduplicationId (e.g. \'$.id\', a path into what the enrichment returns) or create the queue with contentBasedDeduplication: true');
      }
    }
  }
}

/** Whether two queues are the same object or have the same resolved ARN. */
function sameQueue(a: sqs.IQueue, b: sqs.IQueue): boolean {
  if (a === b) {
    return true;
  }
  return !Token.isUnresolved(a.queueArn) && a.queueArn === b.queueArn;
}
