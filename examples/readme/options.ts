import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as sources from '@aws-cdk/aws-pipes-sources-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DynamoDBEventName, DynamoDBStreamFilter, EnrichedStreamToQueue, LambdaEnrichment } from 'cdk-enriched-stream-to-queue';

export function addTunedPipeline(stack: Stack, table: dynamodb.ITable, enrich: lambda.IFunction) {
  const key = new kms.Key(stack, 'QueueKey', { enableKeyRotation: true });
  const pager = new sns.Topic(stack, 'Pager', { masterKey: key });
  // CloudWatch publishes alarm notifications to the encrypted topic only if it may use the key.
  key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
  const orders = new sqs.Queue(stack, 'Orders.fifo', { fifo: true, contentBasedDeduplication: true, encryptionMasterKey: key, enforceSSL: true });

  new EnrichedStreamToQueue(stack, 'Orders', {
    table,
    // An input transformation on the enrichment: the function gets only what it needs.
    enrichment: new LambdaEnrichment(enrich, {
      inputTransformation: pipes.InputTransformation.fromObject({ id: '<$.dynamodb.Keys.id.S>' }),
    }),
    filter: DynamoDBStreamFilter.eventNames(DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY),
    // Source tuning (names as in @aws-cdk/aws-pipes-sources-alpha).
    startingPosition: sources.DynamoDBStartingPosition.TRIM_HORIZON,
    batchSize: 10,
    maximumBatchingWindow: Duration.seconds(5),
    maximumRetryAttempts: 5,
    maximumRecordAge: Duration.hours(6),
    // A FIFO target needs a message group, and a deduplication id or content-based deduplication.
    queue: orders,
    messageGroupId: '$.id',
    // Operations.
    pipeName: 'orders-enriched',
    logLevel: pipes.LogLevel.INFO,
    alarmActions: [new actions.SnsAction(pager)],
  });
}
