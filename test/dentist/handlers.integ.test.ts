/**
 * The dentist handlers against a real DynamoDB API: dynalite, an in-memory DynamoDB server on
 * loopback (there is no DynamoDB Local or LocalStack here). dynalite has no streams, so the
 * enrichment is given stream records built from the items the booking handler really stored,
 * exactly as a NEW_IMAGE stream would carry them.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, DynamoDBRecord } from 'aws-lambda';

type CreateAppointment = typeof import('../../examples/dentist/src/handlers/create-appointment');
type GetContactDetails = typeof import('../../examples/dentist/src/handlers/get-contact-details');
type AddContactsScript = typeof import('../../examples/dentist/scripts/add-contacts');
type DynamoDbModule = typeof import('../../examples/dentist/src/dynamodb');

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs?: number }) => Server;

const ENV_NAMES = [
  'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE',
  'TABLE_NAME', 'CONTACTS_TABLE_NAME',
];
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

let server: Server;
let ddb: DynamoDBClient;
let createAppointment: CreateAppointment['handler'];
let getContactDetails: GetContactDetails['handler'];
let addContacts: AddContactsScript['addContacts'];
let createDocumentClient: DynamoDbModule['createDocumentClient'];
let tableCounter = 0;

beforeAll(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // Before the handlers are loaded: their module-scope clients read these when created.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${port}`;
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
    addContacts = (require('../../examples/dentist/scripts/add-contacts') as AddContactsScript).addContacts;
    createDocumentClient = (require('../../examples/dentist/src/dynamodb') as DynamoDbModule).createDocumentClient;
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
  ddb = new DynamoDBClient({});
});

beforeEach(() => {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
});

afterAll(async () => {
  ddb?.destroy();
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A new table shaped as the stateful stack defines both tables: partition key `id` (S), on demand. */
async function createTable(prefix: string): Promise<string> {
  const name = `${prefix}-${++tableCounter}`;
  await ddb.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  for (;;) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function scan(tableName: string): Promise<Record<string, AttributeValue>[]> {
  return (await ddb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? [];
}

function booking(email: string, time = '09:30'): string {
  return JSON.stringify({
    appointment: {
      patient: { firstName: 'Pat', lastName: 'Example', email },
      dentist: { name: 'Dr Molar', clinic: 'Bright Smiles' },
      date: '2026-03-10',
      time,
      duration: 30,
    },
  });
}

function post(body: string, headers: Record<string, string> = {}): Promise<APIGatewayProxyResult> {
  return createAppointment({ body, headers, isBase64Encoded: false } as unknown as APIGatewayProxyEvent);
}

/** The INSERT record a NEW_IMAGE stream would carry for a stored item. */
function insertRecordFor(image: Record<string, AttributeValue>, sequence: number): DynamoDBRecord {
  return {
    eventID: `event-${sequence}`,
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      Keys: { id: image.id } as any,
      NewImage: image as any,
      SequenceNumber: String(sequence),
      StreamViewType: 'NEW_IMAGE',
    },
  };
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

describe('get-contact-details against DynamoDB', () => {
  test('enriches stored bookings with the contact method a user registered: email, sms, or none', async () => {
    process.env.TABLE_NAME = await createTable('appointments');
    process.env.CONTACTS_TABLE_NAME = await createTable('contacts');
    const client = createDocumentClient();
    await addContacts(client, process.env.CONTACTS_TABLE_NAME, [
      { email: 'ann@example.com', preferredMethod: 'email' },
      { email: 'bob@example.com', preferredMethod: 'sms' },
    ]);
    client.destroy();
    const ids: string[] = [];
    for (const email of ['ann@example.com', 'Bob@Example.com', 'stranger@example.com', 'ann@example.com']) {
      ids.push(JSON.parse((await post(booking(email))).body).id);
    }
    const images = new Map((await scan(process.env.TABLE_NAME)).map((image) => [image.id.S!, image]));
    const records = ids.map((id, i) => insertRecordFor(images.get(id)!, i + 1));

    const result = await getContactDetails(records);

    expect(result.map((r) => [r.id, r.appointment?.patient.email, r.preferredMethod])).toEqual([
      [ids[0], 'ann@example.com', 'email'],
      [ids[1], 'bob@example.com', 'sms'],
      [ids[2], 'stranger@example.com', 'none'],
      [ids[3], 'ann@example.com', 'email'],
    ]);
    expect(result[0].appointment).toEqual(JSON.parse(booking('ann@example.com')).appointment);
  });

  test('a contacts table that does not exist makes the enrichment throw', async () => {
    process.env.CONTACTS_TABLE_NAME = 'no-such-table';
    const image = { id: { S: 'x-1' }, appointment: { M: { patient: { M: { email: { S: 'ann@example.com' } } } } } };

    await expect(getContactDetails([insertRecordFor(image, 1)])).rejects.toThrow(/not found/i);
  });
});
