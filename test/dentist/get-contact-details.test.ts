import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandInput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { enrichAppointmentRecords } from '../../examples/dentist/src/contacts';
import { createDocumentClient } from '../../examples/dentist/src/dynamodb';
import { handler } from '../../examples/dentist/src/handlers/get-contact-details';
import { testing } from 'cdk-enriched-stream-to-queue';
import { parseBatch } from 'cdk-enriched-stream-to-queue/enrichment';

const { DynamoDBStreamRecord } = testing;

const ddbMock = mockClient(DynamoDBDocumentClient);
const CONTACTS_TABLE = 'contacts-table';

/** A stream record as the pipe delivers it (NEW_IMAGE view), for the item {id, appointment}. */
function insertRecord(id: string, email?: unknown): DynamoDBRecord {
  const appointment = {
    patient: { firstName: 'Pat', lastName: `Patient ${id}`, ...(email === undefined ? {} : { email }) },
    dentist: { name: 'Dr Molar' },
    date: '2026-03-10',
    time: '09:30',
    duration: 30,
  };
  return DynamoDBStreamRecord.insert({ id, appointment }, { streamViewType: StreamViewType.NEW_IMAGE });
}

/** The keys asked for in each BatchGetItem call, in order. */
function requestedKeys(): string[][] {
  return ddbMock.commandCalls(BatchGetCommand).map((call) =>
    (call.args[0].input.RequestItems![CONTACTS_TABLE].Keys ?? []).map((key) => key.id as string),
  );
}

/** Answers BatchGetItem from an in-memory contacts table, like DynamoDB (order not guaranteed). */
function contactsTable(contacts: Record<string, unknown>) {
  return (input: BatchGetCommandInput) => ({
    Responses: {
      [CONTACTS_TABLE]: (input.RequestItems![CONTACTS_TABLE].Keys ?? [])
        .filter((key) => contacts[key.id as string] !== undefined)
        .reverse()
        .map((key) => ({ id: key.id, preferredMethod: contacts[key.id as string] })),
    },
    UnprocessedKeys: {},
  });
}

beforeEach(() => {
  ddbMock.reset();
  process.env.CONTACTS_TABLE_NAME = CONTACTS_TABLE;
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

test('a mixed batch keeps its length and order and gets email, sms or none per record', async () => {
  ddbMock.on(BatchGetCommand).callsFake(contactsTable({
    'ann@example.com': 'email',
    'bob@example.com': 'sms',
    'carl@example.com': 'carrier-pigeon',
  }));
  const records = [
    insertRecord('1', 'ann@example.com'),
    insertRecord('2', 'nobody@example.com'), // no contact
    insertRecord('3', 'bob@example.com'),
    insertRecord('4'), // no email
    insertRecord('5', ' BOB@Example.com '), // normalised to a known contact
    insertRecord('6', 'carl@example.com'), // unknown method
    insertRecord('7', 'not-an-email'), // never looked up
  ];

  const result = await handler(records);

  expect(result.map(({ id, preferredMethod }) => [id, preferredMethod])).toEqual([
    ['1', 'email'],
    ['2', 'none'],
    ['3', 'sms'],
    ['4', 'none'],
    ['5', 'sms'],
    ['6', 'none'],
    ['7', 'none'],
  ]);
  expect(requestedKeys()).toEqual([['ann@example.com', 'nobody@example.com', 'bob@example.com', 'carl@example.com']]);
});

test('each element is {id, appointment, preferredMethod} with the NewImage unmarshalled to plain JSON', async () => {
  ddbMock.on(BatchGetCommand).callsFake(contactsTable({ 'ann@example.com': 'sms' }));

  const [element] = await handler([insertRecord('a-1', 'ann@example.com')]);

  expect(element).toEqual({
    id: 'a-1',
    appointment: {
      patient: { firstName: 'Pat', lastName: 'Patient a-1', email: 'ann@example.com' },
      dentist: { name: 'Dr Molar' },
      date: '2026-03-10',
      time: '09:30',
      duration: 30,
    },
    preferredMethod: 'sms',
  });
});

test('reads only id and preferredMethod from the contacts table named by CONTACTS_TABLE_NAME', async () => {
  ddbMock.on(BatchGetCommand).callsFake(contactsTable({}));

  await handler([insertRecord('1', 'ann@example.com')]);

  expect(ddbMock.commandCalls(BatchGetCommand)[0].args[0].input).toEqual({
    RequestItems: {
      [CONTACTS_TABLE]: {
        Keys: [{ id: 'ann@example.com' }],
        ProjectionExpression: '#id, #method',
        ExpressionAttributeNames: { '#id': 'id', '#method': 'preferredMethod' },
      },
    },
  });
});

test('an email shared by several records is fetched once and applied to all of them', async () => {
  ddbMock.on(BatchGetCommand).callsFake(contactsTable({ 'ann@example.com': 'sms' }));

  const result = await handler([
    insertRecord('1', 'ann@example.com'),
    insertRecord('2', 'ANN@example.com'),
    insertRecord('3', 'ann@example.com'),
  ]);

  expect(result.map((r) => r.preferredMethod)).toEqual(['sms', 'sms', 'sms']);
  expect(requestedKeys()).toEqual([['ann@example.com']]);
});

test('more than 100 distinct emails are fetched in two BatchGetItem calls of at most 100 keys', async () => {
  // A pipe with an SQS target hands over at most 10 records, so this goes through the lookup that
  // the handler calls, with the records as the enrichment kit unmarshalls them.
  const emails = Array.from({ length: 150 }, (_, i) => `patient${i}@example.com`);
  ddbMock.on(BatchGetCommand).callsFake(contactsTable(Object.fromEntries(emails.map((e, i) => [e, i % 2 ? 'sms' : 'email']))));
  const records = parseBatch(emails.map((email, i) => insertRecord(String(i), email)));

  const result = await enrichAppointmentRecords(createDocumentClient({ region: 'eu-west-1' }), CONTACTS_TABLE, records);

  const keys = requestedKeys();
  expect(keys.map((k) => k.length)).toEqual([100, 50]);
  expect(new Set(keys.flat())).toEqual(new Set(emails));
  expect(result).toHaveLength(150);
  expect(result.map((r) => r.preferredMethod)).toEqual(emails.map((_, i) => (i % 2 ? 'sms' : 'email')));
});

test('a batch of 11 records is refused: its 11 messages could not reach the SQS target', async () => {
  ddbMock.on(BatchGetCommand).callsFake(contactsTable({}));

  await expect(handler(Array.from({ length: 11 }, (_, i) => insertRecord(String(i), `p${i}@example.com`)))).rejects.toThrow(
    'perBatch: the function returned 11 results, one message each, but an SQS target takes at most 10 per batch',
  );
});

test('an empty batch returns an empty array without calling DynamoDB', async () => {
  await expect(handler([])).resolves.toEqual([]);
  expect(ddbMock.calls()).toHaveLength(0);
});

test('a single record that is not wrapped in an array is refused: a pipe always sends an array', async () => {
  await expect(handler(insertRecord('1', 'ann@example.com'))).rejects.toThrow(
    "The enrichment expects the pipe's batch, a JSON array of DynamoDB stream records, got an object",
  );
  expect(ddbMock.calls()).toHaveLength(0);
});

test('a record without NewImage (KEYS_ONLY or REMOVE) keeps its place as {id from Keys, appointment: null, preferredMethod: none}', async () => {
  ddbMock.on(BatchGetCommand).callsFake(contactsTable({ 'ann@example.com': 'sms' }));
  const keysOnly = DynamoDBStreamRecord.insert({ id: 'k-1', appointment: {} }, { streamViewType: StreamViewType.KEYS_ONLY });

  const result = await handler([insertRecord('1', 'ann@example.com'), keysOnly, insertRecord('2', 'ann@example.com')]);

  expect(result).toEqual([
    expect.objectContaining({ id: '1', preferredMethod: 'sms' }),
    { id: 'k-1', appointment: null, preferredMethod: 'none' },
    expect.objectContaining({ id: '2', preferredMethod: 'sms' }),
  ]);
  expect(console.warn).toHaveBeenCalledTimes(1);
});

test('input that is not a DynamoDB stream record throws naming the record', async () => {
  await expect(handler([insertRecord('1', 'ann@example.com'), { eventID: 'x', eventName: 'INSERT' }]))
    .rejects.toThrow('records[1] has no "dynamodb" object');
  expect(ddbMock.calls()).toHaveLength(0);
});

test('unprocessed keys are retried (only those keys) until they succeed', async () => {
  jest.useFakeTimers();
  ddbMock.on(BatchGetCommand)
    .resolvesOnce({
      Responses: { [CONTACTS_TABLE]: [{ id: 'ann@example.com', preferredMethod: 'email' }] },
      UnprocessedKeys: { [CONTACTS_TABLE]: { Keys: [{ id: 'bob@example.com' }] } },
    })
    .resolvesOnce({
      Responses: { [CONTACTS_TABLE]: [] },
      UnprocessedKeys: { [CONTACTS_TABLE]: { Keys: [{ id: 'bob@example.com' }] } },
    })
    .resolvesOnce({ Responses: { [CONTACTS_TABLE]: [{ id: 'bob@example.com', preferredMethod: 'sms' }] }, UnprocessedKeys: {} });

  const pending = handler([insertRecord('1', 'ann@example.com'), insertRecord('2', 'bob@example.com')]);
  await jest.runAllTimersAsync();
  const result = await pending;

  expect(result.map((r) => r.preferredMethod)).toEqual(['email', 'sms']);
  expect(requestedKeys()).toEqual([['ann@example.com', 'bob@example.com'], ['bob@example.com'], ['bob@example.com']]);
  expect(ddbMock.commandCalls(BatchGetCommand)[2].args[0].input.RequestItems![CONTACTS_TABLE].ProjectionExpression).toBe('#id, #method');
});

test('keys still unprocessed after 5 retries make the handler throw instead of guessing', async () => {
  jest.useFakeTimers();
  ddbMock.on(BatchGetCommand).resolves({
    Responses: { [CONTACTS_TABLE]: [] },
    UnprocessedKeys: { [CONTACTS_TABLE]: { Keys: [{ id: 'ann@example.com' }] } },
  });

  const assertion = expect(handler([insertRecord('1', 'ann@example.com')]))
    .rejects.toThrow('1 contact lookups were still unprocessed after 5 retries');
  await jest.runAllTimersAsync();
  await assertion;

  expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(6);
});

test('a storage failure rejects (so the pipe retries the batch) and is never returned as data', async () => {
  ddbMock.on(BatchGetCommand).rejects(new DynamoDBServiceException({
    name: 'ResourceNotFoundException', $fault: 'client', message: 'Requested resource not found', $metadata: {},
  }));

  await expect(handler([insertRecord('1', 'ann@example.com')])).rejects.toThrow('Requested resource not found');
});

test('a missing CONTACTS_TABLE_NAME throws before any lookup', async () => {
  delete process.env.CONTACTS_TABLE_NAME;

  await expect(handler([insertRecord('1', 'ann@example.com')])).rejects.toThrow('Environment variable CONTACTS_TABLE_NAME is not set');
  expect(ddbMock.calls()).toHaveLength(0);
});

/** A stream record written by hand in the pipe's JSON shape, for values other writers can produce. */
function rawInsertRecord(newImage: Record<string, unknown>): DynamoDBRecord {
  return {
    eventID: 'raw-1',
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    dynamodb: { Keys: { id: newImage.id }, NewImage: newImage, StreamViewType: 'NEW_IMAGE' },
  } as unknown as DynamoDBRecord;
}

describe('what the reminder message holds', () => {
  test('only names, email, contact number, dentist, date, time and duration: no date of birth, reason or notes', async () => {
    ddbMock.on(BatchGetCommand).callsFake(contactsTable({ 'jane@example.com': 'email' }));
    const item = {
      id: 'full-1',
      appointment: {
        patient: { firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com', contactNumber: '+44 7700 900123', dateOfBirth: '1990-05-17' },
        dentist: { name: 'Dr Molar', clinic: 'Bright Smiles', contactNumber: '+44 20 7946 0000' },
        date: '2026-03-10',
        time: '09:30',
        duration: 30,
        reason: 'Tooth ache',
        notes: 'Anxious patient',
        addedByAnotherWriter: 'internal',
      },
    };

    const [element] = await handler([DynamoDBStreamRecord.insert(item, { streamViewType: StreamViewType.NEW_IMAGE })]);

    expect(element).toEqual({
      id: 'full-1',
      appointment: {
        patient: { firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com', contactNumber: '+44 7700 900123' },
        dentist: { name: 'Dr Molar', clinic: 'Bright Smiles', contactNumber: '+44 20 7946 0000' },
        date: '2026-03-10',
        time: '09:30',
        duration: 30,
      },
      preferredMethod: 'email',
    });
    expect(JSON.stringify(element)).not.toMatch(/1990-05-17|Tooth ache|Anxious|internal/);
  });

  test('an image whose appointment is not an object becomes appointment: null, preferredMethod: none', async () => {
    const [element] = await handler([rawInsertRecord({ id: { S: 'odd-1' }, appointment: { S: 'tomorrow' } })]);

    expect(element).toEqual({ id: 'odd-1', appointment: null, preferredMethod: 'none' });
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(0);
  });
});

describe('values other writers can put in the table survive as JSON', () => {
  test('an integer above 2^53 becomes its exact decimal string, and the result serialises', async () => {
    const [element] = await handler([rawInsertRecord({
      id: { S: 'big-1' },
      appointment: { M: { date: { S: '2026-03-10' }, time: { S: '09:30' }, duration: { N: '9007199254740993' }, patient: { M: {} }, dentist: { M: {} } } },
    })]);

    expect(element.appointment!.duration).toBe('9007199254740993');
    expect(JSON.parse(JSON.stringify(element)).appointment.duration).toBe('9007199254740993');
  });

  test('string, number and binary sets become arrays instead of empty objects', async () => {
    const [element] = await handler([rawInsertRecord({
      id: { S: 'sets-1' },
      appointment: {
        M: {
          date: { S: '2026-03-10' },
          time: { S: '09:30' },
          patient: { M: { firstName: { S: 'Jane' } } },
          dentist: { M: { name: { SS: ['Dr Molar', 'Dr Canine'] }, clinic: { NS: ['1', '12345678901234567890'] }, contactNumber: { BS: ['AAEC'] } } },
        },
      },
    })]);

    expect(JSON.parse(JSON.stringify(element)).appointment.dentist).toEqual({
      name: ['Dr Molar', 'Dr Canine'],
      clinic: [1, '12345678901234567890'],
      contactNumber: ['AAEC'],
    });
  });

  test('a patient email stored in full-width letters finds the contact stored under its normalised form', async () => {
    ddbMock.on(BatchGetCommand).callsFake(contactsTable({ 'jane@example.com': 'sms' }));

    const [element] = await handler([insertRecord('fw-1', '\uff2a\uff41\uff4e\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d')]);

    expect(element.preferredMethod).toBe('sms');
    expect(requestedKeys()).toEqual([['jane@example.com']]);
  });
});
