// The shipped jest global setup: DynamoDB Local and the SQS emulator once per jest run, each test
// file's startLocalPipelines on them with an access key (so a database and queues) of its own, and
// nothing left running: a forgotten stop() is stopped after the file (the shipped jest environment),
// named in a warning.
import { rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type LocalPipelines, startLocalPipelines, stopForgottenLocalPipelines } from '../../tools/index';
import { stopForgotten } from '../../tools/jest/environment';
import globalSetup from '../../tools/jest/global-setup';
import globalTeardown from '../../tools/jest/global-teardown';
import { SHARED_SERVICES_VARIABLES } from '../../tools/jest/shared-services';
import { synthMinimalApp, type MinimalApp } from '../support/readme-minimal-app';

let app: MinimalApp;
let shared: { dynamodb: string; sqs: string };

const listening = (endpoint: string) => new Promise<boolean>((resolve) => {
  const { hostname, port } = new URL(endpoint);
  const socket = createConnection({ host: hostname, port: Number(port) }, () => { socket.end(); resolve(true); });
  socket.on('error', () => resolve(false));
});

/** Clients with one app's own credentials and endpoints (from its `environment`, not this process's). */
function clientsOf(local: LocalPipelines) {
  const env = local.environment;
  const config = { region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
  return {
    dynamodb: new DynamoDBClient({ ...config, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB }),
    sqs: new SQSClient({ ...config, endpoint: env.AWS_ENDPOINT_URL_SQS }),
  };
}

beforeAll(async () => {
  app = synthMinimalApp('none');
  await globalSetup();
  shared = { dynamodb: process.env[SHARED_SERVICES_VARIABLES.dynamodb]!, sqs: process.env[SHARED_SERVICES_VARIABLES.sqs]! };
}, 180_000);
afterAll(() => rmSync(app.outdir, { recursive: true, force: true }));

test('hands every test file the endpoints of one DynamoDB Local and one SQS emulator on loopback', () => {
  expect(shared.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(shared.sqs).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('two apps of the same stack on the shared services see only their own tables and queues', async () => {
  const logs: string[] = [];
  const started = Date.now();
  const first = await startLocalPipelines({ assemblyDir: app.outdir, log: (line) => logs.push(line) });
  const firstStartMs = Date.now() - started;
  const a = clientsOf(first);
  let second: LocalPipelines | undefined;
  let b: ReturnType<typeof clientsOf> | undefined;
  try {
    expect(first.environment).toMatchObject({ AWS_ENDPOINT_URL_DYNAMODB: shared.dynamodb, AWS_ENDPOINT_URL_SQS: shared.sqs });
    const pipeA = first.pipe(app.pipeLogicalId);
    await a.dynamodb.send(new PutItemCommand({ TableName: pipeA.tableName, Item: { id: { S: 'only-in-a' } } }));
    await first.idle();

    const secondStarted = Date.now();
    second = await startLocalPipelines({ assemblyDir: app.outdir, log: (line) => logs.push(line) });
    const secondStartMs = Date.now() - secondStarted;
    b = clientsOf(second);
    const pipeB = second.pipe(app.pipeLogicalId);
    // Same stack, same names; different access keys, so different databases and queue sets.
    expect(pipeB.tableName).toBe(pipeA.tableName);
    expect(second.environment.AWS_ACCESS_KEY_ID).not.toBe(first.environment.AWS_ACCESS_KEY_ID);
    expect((await b.dynamodb.send(new ScanCommand({ TableName: pipeB.tableName }))).Items).toEqual([]);
    expect((await b.sqs.send(new ReceiveMessageCommand({ QueueUrl: pipeB.queueUrl, WaitTimeSeconds: 0 }))).Messages ?? []).toEqual([]);
    expect((await a.sqs.send(new ReceiveMessageCommand({ QueueUrl: pipeA.queueUrl, WaitTimeSeconds: 0 }))).Messages?.map((m) => JSON.parse(m.Body!)))
      .toEqual([{ id: 'only-in-a', enriched: true }]);
    process.stderr.write(`startLocalPipelines on the shared services: ${firstStartMs} ms, then ${secondStartMs} ms\n`);
  } finally {
    for (const client of [a, b]) { client?.dynamodb.destroy(); client?.sqs.destroy(); }
    await second?.stop();
    await first.stop();
  }
}, 120_000);

test('stops an app a test file forgot to stop, and names what it ran', async () => {
  const forgotten = await startLocalPipelines({ assemblyDir: app.outdir, log: () => {} });
  const lambda = forgotten.endpoints.lambda;

  const stopped = await stopForgottenLocalPipelines();

  const pipeName = forgotten.pipe(app.pipeLogicalId).name;
  expect(stopped).toEqual([`the Lambda service (${lambda}), 1 pipe runner(s) (${pipeName})`]);
  expect(await listening(lambda)).toBe(false);
  expect(await stopForgottenLocalPipelines()).toEqual([]);
}, 120_000);

test('the jest environment stops, after the file, what it left running, and warns naming the file and the services', async () => {
  const forgotten = await startLocalPipelines({ assemblyDir: app.outdir, log: () => {} });
  const lambda = forgotten.endpoints.lambda;
  const written: string[] = [];

  // The environment's teardown gets the test file's global scope, where tools/index.ts left its hook.
  await stopForgotten(globalThis, '/app/test/orders.local.test.ts', (text) => written.push(text));

  expect(written).toEqual([
    'cdk-enriched-stream-to-queue/local: startLocalPipelines() was not stopped in /app/test/orders.local.test.ts; stopped it after the file '
    + `(the Lambda service (${lambda}), 1 pipe runner(s) (${forgotten.pipe(app.pipeLogicalId).name})). Call \`await local.stop()\` in afterAll.\n`,
  ]);
  expect(await listening(lambda)).toBe(false);
}, 120_000);

test('the global teardown stops both services and removes the variables', async () => {
  await globalTeardown();

  expect(process.env[SHARED_SERVICES_VARIABLES.dynamodb]).toBeUndefined();
  expect(process.env[SHARED_SERVICES_VARIABLES.sqs]).toBeUndefined();
  expect(await listening(shared.dynamodb)).toBe(false);
  expect(await listening(shared.sqs)).toBe(false);
}, 60_000);
