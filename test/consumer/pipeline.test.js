// A consumer's jest test, in plain JavaScript, of their own pipeline run locally with the installed
// package: their stack synthesized in-process, their enrichment, DynamoDB Local streams and the SQS
// emulator (both their dev dependencies), and assertions on the messages that arrive.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { App, Stack } = require('aws-cdk-lib');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const lambda = require('aws-cdk-lib/aws-lambda');
const { DynamoDBClient, PutItemCommand, UpdateItemCommand } = require('@aws-sdk/client-dynamodb');
const { ReceiveMessageCommand, SQSClient } = require('@aws-sdk/client-sqs');
const { EnrichedStreamToQueue } = require('cdk-enriched-stream-to-queue');
const { startLocalPipelines } = require('cdk-enriched-stream-to-queue/local');

let local;
let pipeId;

beforeAll(async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Consumer', { env: { account: '111111111111', region: 'eu-west-1' } });
  const table = new dynamodb.TableV2(stack, 'People', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  const enrich = new lambda.Function(stack, 'Enrich', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(path.join(__dirname, 'enrich')),
  });
  const pipeline = new EnrichedStreamToQueue(stack, 'Pipeline', { table, enrichmentFunction: enrich });
  pipeId = stack.getLogicalId(pipeline.pipe.node.defaultChild);
  app.synth();
  local = await startLocalPipelines({ assemblyDir: outdir, log: () => {} });
}, 180000);

afterAll(() => local && local.stop());

test('an INSERT arrives enriched; the MODIFY that follows does not', async () => {
  const pipe = local.pipe(pipeId);
  const db = new DynamoDBClient({});
  await db.send(new PutItemCommand({ TableName: pipe.tableName, Item: { id: { S: 'p1' }, name: { S: 'Ada' } } }));
  await db.send(new UpdateItemCommand({
    TableName: pipe.tableName, Key: { id: { S: 'p1' } },
    UpdateExpression: 'SET #n = :n', ExpressionAttributeNames: { '#n': 'name' }, ExpressionAttributeValues: { ':n': { S: 'Ada L.' } },
  }));
  await local.idle();
  const { Messages = [] } = await new SQSClient({}).send(new ReceiveMessageCommand({ QueueUrl: pipe.queueUrl, MaxNumberOfMessages: 10 }));
  expect(Messages.map((message) => JSON.parse(message.Body))).toEqual([{ id: 'p1', name: 'Ada', nameLength: 3 }]);
  expect(pipe.stats().enrichmentInvocations).toBe(1);
}, 60000);
