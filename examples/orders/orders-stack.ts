import * as path from 'path';
import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AttributeCondition, DynamoDBStreamFilter, EnrichedStreamToQueue } from 'cdk-enriched-stream-to-queue';

/**
 * A second, small app: placed orders become order summaries on a queue for the warehouse.
 * Only orders written with `status = PLACED` pass the filter; drafts never reach the enrichment.
 */
export class OrdersStack extends Stack {
  public readonly orders: dynamodb.TableV2;
  public readonly summaries: EnrichedStreamToQueue;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    this.orders = new dynamodb.TableV2(this, 'Orders', {
      partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
    });

    const summarize = new nodejs.NodejsFunction(this, 'SummarizeOrder', {
      entry: path.join(__dirname, 'summarize-order.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: Duration.seconds(10),
      logGroup: new logs.LogGroup(this, 'SummarizeOrderLogs', { retention: logs.RetentionDays.ONE_WEEK }),
      bundling: { minify: true, target: 'node22', externalModules: ['@aws-sdk/*'] },
    });

    this.summaries = new EnrichedStreamToQueue(this, 'OrderSummaries', {
      table: this.orders,
      enrichmentFunction: summarize,
      filter: DynamoDBStreamFilter.insertsWhere([AttributeCondition.stringEquals('status', 'PLACED')]),
    });

    new CfnOutput(this, 'SummariesQueueUrl', { value: this.summaries.queue.queueUrl });
  }
}
