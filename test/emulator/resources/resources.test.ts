import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadCloudAssembly, LocalAssembly, type Template } from '../../../tools/cloudformation/assembly';
import { startDynamoDBLocal } from '../../../tools/emulator/backends/dynamodb-local';
import { startSqsEmulator } from '../../../tools/emulator/backends/sqs-emulator';
import { createResources } from '../../../tools/emulator/resources/resources';
import { type LocalService } from '../../../tools/emulator/support/service';

jest.setTimeout(60_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let dynamodbLocal: LocalService;
let sqsEmulator: LocalService;
let dynamodb: DynamoDBClient;
let sqs: SQSClient;
const directories: string[] = [];

beforeAll(async () => {
  [dynamodbLocal, sqsEmulator] = await Promise.all([startDynamoDBLocal(), startSqsEmulator()]);
  dynamodb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint, region: 'eu-west-1', credentials });
  sqs = new SQSClient({ endpoint: sqsEmulator.endpoint, region: 'eu-west-1', credentials });
});

afterAll(async () => {
  dynamodb?.destroy();
  sqs?.destroy();
  await Promise.all([dynamodbLocal?.stop(), sqsEmulator?.stop()]);
  directories.forEach((directory) => rmSync(directory, { recursive: true, force: true }));
});

let counter = 0;
/** A one-stack assembly, its stack named uniquely so that tests do not share tables or queues. */
function assembly(template: Template): LocalAssembly {
  const directory = mkdtempSync(path.join(tmpdir(), 'resources-test-'));
  directories.push(directory);
  const id = `Stack${++counter}`;
  writeFileSync(path.join(directory, `${id}.template.json`), JSON.stringify(template));
  writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify({
    version: '39.0.0',
    artifacts: { [id]: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/eu-west-1', properties: { templateFile: `${id}.template.json` } } },
  }));
  return new LocalAssembly(loadCloudAssembly(directory));
}

test('creates a provisioned table with its stream view type, GSI and LSI', async () => {
  const local = assembly({
    Resources: {
      Orders: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'byCustomer', AttributeType: 'S' }, { AttributeName: 'placed', AttributeType: 'N' },
          ],
          ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 },
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          GlobalSecondaryIndexes: [{
            IndexName: 'customer',
            KeySchema: [{ AttributeName: 'byCustomer', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'KEYS_ONLY' },
            ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 2 },
          }],
          LocalSecondaryIndexes: [{
            IndexName: 'placed',
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'placed', KeyType: 'RANGE' }],
            Projection: { ProjectionType: 'ALL' },
          }],
        },
      },
    },
  });
  const { tables } = await createResources(local, { dynamodb, sqs });
  expect(tables).toHaveLength(1);
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tables[0].tableName }));
  expect(Table?.TableName).toBe(`${local.assembly.stacks[0].stackName}-Orders`);
  expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
  expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
  expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType])).toEqual([['customer', 'KEYS_ONLY']]);
  expect(Table?.LocalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['placed']);
  // Fn::GetAtt StreamArn resolves to the ARN AWS would give (the stack's region and account) with the
  // label DynamoDB Local assigned; DynamoDB Local's own ARN (ddblocal, 000000000000) never reaches the app.
  const expected = `arn:aws:dynamodb:${local.assembly.stacks[0].region}:${local.assembly.stacks[0].account}:table/${Table?.TableName}/stream/${Table?.LatestStreamLabel}`;
  expect(Table?.LatestStreamArn).toMatch(/^arn:aws:dynamodb:ddblocal:/);
  expect(tables[0].streamArn).toBe(expected);
  expect(local.resolve(local.assembly.stacks[0], { 'Fn::GetAtt': ['Orders', 'StreamArn'] })).toBe(expected);
});

test('creates an on-demand global table under its TableName, with its stream', async () => {
  const tableName = `appointments-${counter}`;
  const local = assembly({
    Resources: {
      Appointments: {
        Type: 'AWS::DynamoDB::GlobalTable',
        Properties: {
          TableName: tableName,
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          Replicas: [{ Region: 'eu-west-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }],
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        },
      },
    },
  });
  const { tables } = await createResources(local, { dynamodb, sqs });
  const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
  expect(tables[0]).toMatchObject({ tableName, streamArn: expect.stringMatching(new RegExp(`^arn:aws:dynamodb:[a-z0-9-]+:\\d{12}:table/${tableName}/stream/${Table?.LatestStreamLabel}$`)) });
});

test('creates a FIFO queue after the FIFO dead-letter queue its redrive policy names, with its attributes', async () => {
  const local = assembly({
    Resources: {
      // Declared before its dead-letter queue: creation must wait for the DLQ.
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          FifoQueue: true,
          ContentBasedDeduplication: true,
          VisibilityTimeout: 45,
          MessageRetentionPeriod: 3600,
          SqsManagedSseEnabled: true,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 3 },
        },
      },
      DeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true, MessageRetentionPeriod: 1209600 } },
      QueuePolicy: { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [{ Ref: 'Queue' }] } },
    },
  });
  const { queues, skipped } = await createResources(local, { dynamodb, sqs });
  const stackName = local.assembly.stacks[0].stackName;
  expect(queues.map((queue) => [queue.logicalId, queue.queueName])).toEqual([
    ['DeadLetterQueue', `${stackName}-DeadLetterQueue.fifo`],
    ['Queue', `${stackName}-Queue.fifo`],
  ]);
  const [dlq, queue] = queues;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ['All'] }));
  expect(Attributes).toMatchObject({
    FifoQueue: 'true',
    ContentBasedDeduplication: 'true',
    VisibilityTimeout: '45',
    MessageRetentionPeriod: '3600',
  });
  expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 3 });
  expect(local.resolve(local.assembly.stacks[0], { Ref: 'Queue' })).toBe(queue.queueUrl);
  expect(skipped).toEqual([{
    stackName, logicalId: 'QueuePolicy', type: 'AWS::SQS::QueuePolicy', reason: 'no local effect: no IAM locally, every local call is allowed',
  }]);
});

test('refuses a redrive policy naming a queue that is not in the template', async () => {
  const local = assembly({
    Resources: {
      Queue: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Missing', 'Arn'] }, maxReceiveCount: 3 } } },
    },
  });
  const stackName = local.assembly.stacks[0].stackName;
  await expect(createResources(local, { dynamodb, sqs })).rejects.toThrow(
    `Fn::GetAtt Missing.Arn in resource Queue of stack ${stackName}: stack ${stackName} has no resource or parameter 'Missing'`);
});

test('refuses queues whose redrive policies name each other', async () => {
  const local = assembly({
    Resources: {
      A: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['B', 'Arn'] }, maxReceiveCount: 3 } } },
      B: { Type: 'AWS::SQS::Queue', Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['A', 'Arn'] }, maxReceiveCount: 3 } } },
    },
  });
  const stackName = local.assembly.stacks[0].stackName;
  await expect(createResources(local, { dynamodb, sqs })).rejects.toThrow(
    `Fn::GetAtt B.Arn in resource A of stack ${stackName}: AWS::SQS::Queue B has not been created locally yet`);
});

test('refuses a queue property it does not know, naming it', async () => {
  const local = assembly({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { Shiny: 1 } } } });
  await expect(createResources(local, { dynamodb, sqs })).rejects.toThrow(
    `AWS::SQS::Queue Queue of stack ${local.assembly.stacks[0].stackName}: the properties Shiny are not supported locally`);
});

test('skips a resource whose condition is false, saying so', async () => {
  const local = assembly({
    Conditions: { Never: { 'Fn::Equals': ['a', 'b'] } },
    Resources: { Queue: { Type: 'AWS::SQS::Queue', Condition: 'Never', Properties: {} } },
  });
  const { queues, skipped } = await createResources(local, { dynamodb, sqs });
  expect(queues).toEqual([]);
  expect(skipped).toEqual([{
    stackName: local.assembly.stacks[0].stackName, logicalId: 'Queue', type: 'AWS::SQS::Queue', reason: 'its condition Never is false',
  }]);
});
