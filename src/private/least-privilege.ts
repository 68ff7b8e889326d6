import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as sources from '@aws-cdk/aws-pipes-sources-alpha';
import * as targets from '@aws-cdk/aws-pipes-targets-alpha';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Lets `grantee` send to `queue`: `sqs:SendMessage` on the queue and, for a KMS-encrypted queue,
 * the two key actions a producer needs. The aws-cdk grant (`grantSendMessages`) would add
 * `kms:ReEncrypt*` and `kms:GenerateDataKey*` as well.
 */
export function grantSend(queue: sqs.IQueue, grantee: iam.IGrantable): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
  queue.encryptionMasterKey?.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
}

/**
 * The sources-alpha DynamoDB source, with two corrections:
 * - it accepts any `IQueue` as the dead-letter target (the alpha module silently drops a queue that
 *   is not an instance of `Queue`, such as an imported one);
 * - the pipe's role may only send to that queue (see `grantSend`).
 */
export class DynamoDBStreamSource extends sources.DynamoDBSource {
  constructor(table: dynamodb.ITable, private readonly deadLetterQueue: sqs.IQueue, parameters: sources.DynamoDBSourceParameters) {
    // An ITable is an ITableV2 without the optional tableId, which the source does not read.
    super(table, { ...parameters, deadLetterTarget: deadLetterQueue });
  }

  public bind(pipe: pipes.IPipe): pipes.SourceConfig {
    const config = super.bind(pipe);
    const streamParameters = config.sourceParameters?.dynamoDbStreamParameters as object;
    return {
      sourceParameters: {
        ...config.sourceParameters,
        dynamoDbStreamParameters: {
          ...streamParameters,
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        } as any,
      },
    };
  }

  public grantPush(grantee: iam.IRole): void {
    grantSend(this.deadLetterQueue, grantee);
  }
}

/**
 * The targets-alpha SQS target, rendering only the parameters CloudFormation knows and granting
 * the pipe's role no more than it needs (see `grantSend`).
 */
export class SqsQueueTarget extends targets.SqsTarget {
  constructor(private readonly targetQueue: sqs.IQueue, private readonly parameters: targets.SqsTargetParameters) {
    super(targetQueue, parameters);
  }

  public bind(pipe: pipes.IPipe): pipes.TargetConfig {
    const { inputTransformation, messageGroupId, messageDeduplicationId } = this.parameters;
    const queueParameters = messageGroupId !== undefined || messageDeduplicationId !== undefined
      ? { messageGroupId, messageDeduplicationId }
      : undefined;
    return {
      targetParameters: {
        inputTemplate: inputTransformation?.bind(pipe).inputTemplate,
        sqsQueueParameters: queueParameters,
      },
    };
  }

  public grantPush(grantee: iam.IRole): void {
    grantSend(this.targetQueue, grantee);
  }
}
