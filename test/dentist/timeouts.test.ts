/**
 * Both handlers against a DynamoDB endpoint that accepts the connection and never answers (a real
 * socket on 127.0.0.1): their clients' timeouts must end the wait well before the functions'
 * 10-second Lambda timeout, so that the booking answers 500 and the enrichment throws (the pipe
 * retries) instead of being killed without an answer.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { startSilentServer } from './local-servers';

type CreateAppointment = typeof import('../../examples/dentist/src/handlers/create-appointment');
type GetContactDetails = typeof import('../../examples/dentist/src/handlers/get-contact-details');
type DynamoDbModule = typeof import('../../examples/dentist/src/dynamodb');

const LAMBDA_TIMEOUT_MS = 10_000;
const ENV_NAMES = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE',
  'TABLE_NAME', 'CONTACTS_TABLE_NAME'];
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

jest.setTimeout(30_000);

let silent: Awaited<ReturnType<typeof startSilentServer>>;
let createAppointment: CreateAppointment['handler'];
let getContactDetails: GetContactDetails['handler'];
let timeouts: DynamoDbModule;

beforeAll(async () => {
  silent = await startSilentServer();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = silent.endpoint;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.TABLE_NAME = 'appointments';
  process.env.CONTACTS_TABLE_NAME = 'contacts';
  /* eslint-disable @typescript-eslint/no-require-imports */
  jest.isolateModules(() => {
    createAppointment = (require('../../examples/dentist/src/handlers/create-appointment') as CreateAppointment).handler;
    getContactDetails = (require('../../examples/dentist/src/handlers/get-contact-details') as GetContactDetails).handler;
    timeouts = require('../../examples/dentist/src/dynamodb') as DynamoDbModule;
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
});

afterAll(async () => {
  await silent?.stop(); // also ends any request still waiting, so nothing outlives the test
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Settles with the promise's outcome and how long it took, or with 'still waiting' after the Lambda timeout. */
async function within<T>(promise: Promise<T>): Promise<{ outcome: T | Error | 'still waiting'; ms: number }> {
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'still waiting'>((resolve) => { timer = setTimeout(() => resolve('still waiting'), LAMBDA_TIMEOUT_MS); });
  const outcome = await Promise.race([promise.catch((error: Error) => error), deadline]);
  clearTimeout(timer);
  return { outcome, ms: Date.now() - start };
}

test('the clients give up on a silent connection after a 1 s timeout per attempt, 3 attempts', () => {
  expect([timeouts.CONNECTION_TIMEOUT_MS, timeouts.REQUEST_TIMEOUT_MS, timeouts.MAX_ATTEMPTS]).toEqual([1000, 1000, 3]);
});

test('booking and enrichment both end well before the 10 s Lambda timeout: 500 for the booking, a thrown error for the enrichment', async () => {
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  const body = JSON.stringify({
    appointment: { patient: { firstName: 'Pat', lastName: 'Lee', email: 'pat@example.com' }, dentist: { name: 'Dr Molar' }, date: '2026-03-10', time: '09:30' },
  });
  const record = {
    eventID: '1',
    eventName: 'INSERT',
    dynamodb: { Keys: { id: { S: 'a-1' } }, NewImage: { id: { S: 'a-1' }, appointment: { M: { patient: { M: { email: { S: 'pat@example.com' } } } } } } },
  };

  const [booking, enrichment] = await Promise.all([
    within(createAppointment({ body, headers: {}, isBase64Encoded: false } as unknown as APIGatewayProxyEvent)),
    within(getContactDetails([record] as never)),
  ]);

  expect((booking.outcome as APIGatewayProxyResult).statusCode).toBe(500);
  expect(enrichment.outcome).toBeInstanceOf(Error);
  expect((enrichment.outcome as Error).name).toBe('TimeoutError');
  // 3 attempts of 1 s plus the SDK's backoff between them, far from 10 s.
  expect(booking.ms).toBeLessThan(6_000);
  expect(enrichment.ms).toBeLessThan(6_000);
  expect(silent.connections).toBeGreaterThanOrEqual(6);
});
