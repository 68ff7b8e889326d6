/**
 * The README's enrichment with Powertools (examples/readme/enrichment-powertools.ts), run against
 * DynamoDB Local for its idempotency table: it proves that the combination the README shows works,
 * not only that it compiles.
 */
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { type LocalAws, startLocalAws } from '../support/local-aws';
import { testing } from 'cdk-enriched-stream-to-queue';
import type { EnrichmentError } from 'cdk-enriched-stream-to-queue/enrichment';

const { DynamoDBStreamRecord } = testing;
const TABLE = 'idempotency';

let local: LocalAws;
let dynamodb: DynamoDBClient;
let handler: (event: unknown, context: Context) => Promise<unknown[]>;

/** The Lambda context the runtime passes; the idempotency utility reads the remaining time from it. */
const context = { functionName: 'summarize', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

beforeAll(async () => {
  local = await startLocalAws('eu-west-1');
  dynamodb = new DynamoDBClient({});
  await dynamodb.send(new CreateTableCommand({
    TableName: TABLE,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  local.setEnv('IDEMPOTENCY_TABLE_NAME', TABLE);
  // The module reads IDEMPOTENCY_TABLE_NAME when it loads, as it does in a Lambda function. require,
  // not import(): the tests run as CommonJS, and import() would need --experimental-vm-modules.
  /* eslint-disable @typescript-eslint/no-require-imports */
  jest.isolateModules(() => {
    ({ handler } = require('../../examples/readme/enrichment-powertools') as typeof import('../../examples/readme/enrichment-powertools'));
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
}, 60_000);

afterAll(async () => {
  dynamodb?.destroy();
  await local?.stop();
});

function order(orderId: string, totalCents: unknown) {
  return DynamoDBStreamRecord.insert({ id: orderId, orderId, customerId: 'c-1', totalCents });
}

test('enriches the pipe\'s batch in order, one summary per record', async () => {
  const batch = [order('o-1', 1250), order('o-2', 99)];

  await expect(handler(batch, context)).resolves.toEqual([
    { orderId: 'o-1', customerId: 'c-1', totalCents: 1250 },
    { orderId: 'o-2', customerId: 'c-1', totalCents: 99 },
  ]);
});

test('a record delivered again (a retried or replayed batch) gets the stored result, keyed on its eventID', async () => {
  const first = order('o-3', 500);
  await handler([first], context);
  // The same stream record (same eventID) with another image: only an idempotent enrichment answers as before.
  const again = { ...first, dynamodb: { ...first.dynamodb, NewImage: { ...first.dynamodb.NewImage, totalCents: { N: '999' } } } };

  await expect(handler([again], context)).resolves.toEqual([{ orderId: 'o-3', customerId: 'c-1', totalCents: 500 }]);
  const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: TABLE }));
  expect(Items.filter((item) => item.status?.S === 'COMPLETED').length).toBeGreaterThanOrEqual(3);
});

test('an item that does not match the schema fails the batch, so the pipe retries it', async () => {
  const error = await handler([order('o-4', 'a lot')], context).catch((e: unknown) => e as EnrichmentError);

  // The module was loaded in isolation, with its own copy of the kit: compare the name, not the class.
  expect(error).toMatchObject({ name: 'EnrichmentError', recordIndex: 0 });
  expect((error as EnrichmentError).message).toMatch(/^perRecord: the function failed on records\[0\] \(eventID "[^"]+"\): /);
  expect((error as EnrichmentError).cause).toBeInstanceOf(Error);
});

test('Lambda\'s {Records: [...]} event is refused by the batch schema before anything runs', async () => {
  await expect(handler({ Records: [order('o-5', 1)] }, context)).rejects.toThrow('expected array');
});
