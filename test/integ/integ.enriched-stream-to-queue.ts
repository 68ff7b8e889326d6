/**
 * Integration test: a table, the construct and an enrichment function. It puts an item and waits for
 * the enriched message on the queue, then proves that the default filter drops a MODIFY (the AWS docs
 * list `eventName` among fields a pipe cannot filter on, while DynamoDB users filter on it widely).
 *
 * CI checks that the committed snapshot is current (`npx projen integ:snapshot`, no deployment).
 * With an AWS account: `npx projen integ:deploy` deploys, runs the assertions, destroys and updates
 * the snapshot.
 */
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnrichedStreamToQueue } from '../../src';

const app = new App();
const stack = new Stack(app, 'EnrichedStreamToQueueInteg');

const table = new dynamodb.TableV2(stack, 'Table', {
  partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
  removalPolicy: RemovalPolicy.DESTROY,
});

// Inline, so the snapshot has no asset hash that changes with the build machine. It throws on any
// record but an INSERT: if the default filter let a MODIFY through, that batch would fail, be
// retried and end up on the source dead-letter queue, which the last assertion checks is empty.
const enrichment = new lambda.Function(stack, 'Enrich', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline([
    'exports.handler = async (records) => records.map((r) => {',
    '  if (r.eventName !== "INSERT") throw new Error("the filter let a " + r.eventName + " record through");',
    '  return { id: r.dynamodb.Keys.id.S, greeting: "hello " + r.dynamodb.NewImage.name.S };',
    '});',
  ].join('\n')),
});

const pipeline = new EnrichedStreamToQueue(stack, 'Pipeline', {
  table,
  enrichmentFunction: enrichment,
  createAlarms: false,
});

const integ = new IntegTest(app, 'EnrichedStreamToQueueTest', {
  testCases: [stack],
  diffAssets: false,
});

/** Waits until a message whose body contains `text` is on the queue (peeking: messages stay visible). */
const waitForMessage = (text: string) => integ.assertions
  .awsApiCall('SQS', 'receiveMessage', {
    QueueUrl: pipeline.queue.queueUrl,
    MaxNumberOfMessages: 10,
    VisibilityTimeout: 0,
    WaitTimeSeconds: 20,
  })
  .expect(ExpectedResult.objectLike({
    Messages: Match.arrayWith([Match.objectLike({ Body: Match.stringLikeRegexp(text) })]),
  }))
  .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) });

const putItem = (id: string, name: string) => integ.assertions.awsApiCall('DynamoDB', 'putItem', {
  TableName: table.tableName,
  Item: { id: { S: id }, name: { S: name } },
});

// An INSERT is enriched and delivered.
putItem('integ-1', 'Ada')
  .next(waitForMessage('"greeting":"hello Ada"'))
  // A MODIFY is filtered out: the INSERT after it is delivered and nothing was dead-lettered.
  .next(integ.assertions.awsApiCall('DynamoDB', 'updateItem', {
    TableName: table.tableName,
    Key: { id: { S: 'integ-1' } },
    UpdateExpression: 'SET #n = :n',
    ExpressionAttributeNames: { '#n': 'name' },
    ExpressionAttributeValues: { ':n': { S: 'Grace' } },
  }))
  .next(putItem('integ-2', 'Lin'))
  .next(waitForMessage('"greeting":"hello Lin"'))
  .next(integ.assertions
    .awsApiCall('SQS', 'getQueueAttributes', {
      QueueUrl: pipeline.sourceDeadLetterQueue.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    })
    .expect(ExpectedResult.objectLike({
      Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' },
    })));
