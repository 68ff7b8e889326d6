/**
 * The target stage of a pipe, chosen by the service of its target ARN. A new target (an SNS topic)
 * is one file under this folder exporting a {@link TargetStage} and one case here.
 */
import { parseArn } from '../../cloudformation/arn';
import { PipeDefinition } from '../../pipe/definition';
import { TargetStage } from '../stage';
import { sendToTarget as sqsQueueTarget } from './sqs-queue';

/**
 * The target stage of `pipe`.
 * @throws Error naming the service when no local stage sends to it
 */
export function targetFor(pipe: PipeDefinition): TargetStage {
  const service = parseArn(pipe.target.queueArn).service;
  switch (service) {
    case 'sqs':
      return sqsQueueTarget;
    default:
      throw new Error(`Pipe ${pipe.name}: Target ${pipe.target.queueArn} is a ${service} ARN; the local pipe runner sends to SQS queues only`);
  }
}
