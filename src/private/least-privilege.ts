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
 * The sources-alpha DynamoDB source, with three corrections:
 * - it accepts any `IQueue` as the dead-letter target (the alpha module silently drops a queue that
 *   is not an instance of `Queue`, such as an imported one);
 * - the pipe's role may only send to that queue (see `grantSend`);
 * - the stream read permissions are the same for every kind of table (see `grantRead`).
 */
export class DynamoDBStreamSource extends sources.DynamoDBSource {
  constructor(
    private readonly streamTable: dynamodb.ITable,
    private readonly deadLetterQueue: sqs.IQueue,
    parameters: sources.DynamoDBSourceParameters,
  ) {
    // An ITable is an ITableV2 without the optional tableId, which the source does not read.
    super(streamTable, { ...parameters, deadLetterTarget: deadLetterQueue });
  }

  /**
   * Lets the pipe's role read the stream, identically for a `Table`, a `TableV2` and an imported
   * table (aws-cdk's `grantStreamRead` differs between them: a `TableV2` scopes `ListStreams` to the
   * stream ARN, where it has no effect).
   *
   * - `DescribeStream`, `GetRecords` and `GetShardIterator` on the stream ARN, `ListStreams` on `*`:
   *   the four actions the Pipes documentation lists for a DynamoDB stream source
   *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html#pipes-perms-ddb).
   *   `ListStreams` goes on `*` because the Service Authorization Reference lists no resource type
   *   for it (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
   * - No KMS permission, also for a table encrypted with a customer-managed key: the same Pipes page
   *   lists KMS permissions only for Kafka sources, and DynamoDB decrypts table data (streams
   *   included) transparently for callers it authorizes
   *   (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html). aws-cdk's
   *   `Table.grantStreamRead` adds `kms:Decrypt` and `kms:DescribeKey` on the key; this does not.
   */
  public grantRead(grantee: iam.IRole): void {
    const streamArn = this.streamTable.tableStreamArn!;
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      resourceArns: [streamArn],
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:ListStreams'], resourceArns: ['*'] });
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
