/**
 * Integration test: a table, the construct and an enrichment function. It puts an item and waits for
 * the enriched message on the queue.
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

// Inline, so the snapshot has no asset hash that changes with the build machine.
const enrichment = new lambda.Function(stack, 'Enrich', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline([
    'exports.handler = async (records) => records.map((r) => ({',
    '  id: r.dynamodb.Keys.id.S,',
    '  greeting: "hello " + r.dynamodb.NewImage.name.S,',
    '}));',
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

integ.assertions
  .awsApiCall('DynamoDB', 'putItem', {
    TableName: table.tableName,
    Item: { id: { S: 'integ-1' }, name: { S: 'Ada' } },
  })
  .next(
    integ.assertions
      .awsApiCall('SQS', 'receiveMessage', {
        QueueUrl: pipeline.queue.queueUrl,
        WaitTimeSeconds: 20,
      })
      .expect(ExpectedResult.objectLike({
        Messages: Match.arrayWith([
          Match.objectLike({ Body: Match.stringLikeRegexp('"greeting":"hello Ada"') }),
        ]),
      }))
      .waitForAssertions({ totalTimeout: Duration.minutes(5), interval: Duration.seconds(15) }),
  );
