/**
 * What a local run touches and how it fails, through `startLocalPipelines` as a consumer's test runs
 * it: every listener on 127.0.0.1, none of the caller's credentials handed on, a call to a service
 * with no local endpoint answered on loopback, and a service that dies named by `idle()`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { commandLineOf, descendantsOf, environmentOf, waitUntilGone } from './support/process-tree';
import { OrdersStack } from '../../examples/orders/orders-stack';
import { listenersOf } from '../../tools/emulator/support/listeners';
import { type LocalPipelines, startLocalPipelines } from '../../tools/index';

jest.setTimeout(180_000);

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** A function that calls SNS (no local endpoint) and SQS (local), and tells what it sees. */
const PROBE = `
const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');
const { SQSClient, ListQueuesCommand } = require('@aws-sdk/client-sqs');
const outcome = (promise) => promise.then((result) => ({ ok: result }), (error) => ({ error: error.name + ': ' + error.message }));
exports.handler = async () => ({
  sns: await outcome(new SNSClient({ maxAttempts: 1 }).send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:111111111111:reminders', Message: 'hi' }))),
  sqs: await outcome(new SQSClient({ maxAttempts: 1 }).send(new ListQueuesCommand({})).then((result) => (result.QueueUrls || []).length)),
  env: process.env,
});
`;

/** The caller's AWS configuration, which no part of the run may use. */
const CALLER = {
  AWS_ACCESS_KEY_ID: 'AKIACALLERKEY',
  AWS_SECRET_ACCESS_KEY: 'caller-secret',
  AWS_SESSION_TOKEN: 'caller-session-token',
  AWS_PROFILE: 'caller-profile',
  AWS_DEFAULT_PROFILE: 'caller-profile',
  AWS_ROLE_ARN: 'arn:aws:iam::999999999999:role/caller',
  AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/caller-token',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'caller-container-token',
  AWS_SHARED_CREDENTIALS_FILE: '/home/caller/.aws/credentials',
  AWS_CONFIG_FILE: '/home/caller/.aws/config',
  AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
};
/** The values that only the caller's configuration has ('true' is everybody's). */
const CALLER_VALUES = Object.values(CALLER).filter((value) => value !== 'true');

let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'local-app-'));
  const probeCode = path.join(outdir, '..', `${path.basename(outdir)}-probe`);
  mkdirSync(probeCode);
  writeFileSync(path.join(probeCode, 'index.js'), PROBE);
  const app = new App({ outdir });
  new OrdersStack(app, 'Orders', { env: ENV });
  const probe = new Stack(app, 'Probe', { env: ENV });
  new lambda.Function(probe, 'Probe', {
    functionName: 'probe',
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(probeCode),
    timeout: Duration.seconds(10),
  });
  app.synth();
  rmSync(probeCode, { recursive: true, force: true });
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function order(orderId: string) {
  return { orderId: { S: orderId }, status: { S: 'PLACED' }, customerEmail: { S: `${orderId}@example.com` }, lines: { L: [] } };
}

describe('a local run touches nothing but loopback, and none of the caller\'s AWS configuration', () => {
  let local: LocalPipelines;
  const saved: Record<string, string | undefined> = {};
  const logs: string[] = [];
  let environmentDuringRun: NodeJS.ProcessEnv;
  let children: number[];

  beforeAll(async () => {
    for (const [name, value] of Object.entries(CALLER)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    local = await startLocalPipelines({ assemblyDir: outdir, log: (line) => logs.push(line) });
    environmentDuringRun = { ...process.env };
    children = descendantsOf(process.pid);
  });

  afterAll(async () => {
    await local?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('every socket the run listens on (this process, DynamoDB Local, the SQS emulator) is on 127.0.0.1', () => {
    const listeners = [process.pid, ...children].flatMap((pid) => listenersOf(pid) ?? []);
    const endpoints = Object.values(local.endpoints).filter((value): value is string => typeof value === 'string');

    expect(children.length).toBeGreaterThanOrEqual(2);
    expect(listeners.length).toBeGreaterThanOrEqual(endpoints.length);
    expect(listeners.filter((listener) => listener.address !== '127.0.0.1')).toEqual([]);
  });

  test('a function calling a service that has no local endpoint (SNS) gets an error naming it; SQS reaches the emulator', async () => {
    const client = new LambdaClient({});
    const response = await client.send(new InvokeCommand({ FunctionName: 'probe' }));
    client.destroy();
    const result = JSON.parse(Buffer.from(response.Payload!).toString());

    expect(response.FunctionError).toBeUndefined();
    expect(result.sns.error).toMatch(/^NoLocalEndpoint: SNS has no local endpoint in this run \(Publish was not sent to AWS\)/);
    expect(result.sqs.ok).toBeGreaterThanOrEqual(3);
    expect(logs).toContain('[catch-all] refused SNS Publish: no local endpoint');
  });

  test('functions see the local credentials and endpoints, and none of the caller\'s credentials, profile, identity or config files', async () => {
    const client = new LambdaClient({});
    const response = await client.send(new InvokeCommand({ FunctionName: 'probe' }));
    client.destroy();
    const env = JSON.parse(Buffer.from(response.Payload!).toString()).env as Record<string, string>;

    expect(env).toMatchObject({ AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(Object.entries(env).filter(([, value]) => CALLER_VALUES.includes(value))).toEqual([]);
    for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS']) {
      expect(env[name]).toBeUndefined();
    }
  });

  test('while it runs, this process has the local credentials, the catch-all and none of the caller\'s variables', () => {
    expect(environmentDuringRun).toMatchObject({ AWS_ACCESS_KEY_ID: 'local', AWS_ENDPOINT_URL: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(Object.entries(environmentDuringRun).filter(([, value]) => CALLER_VALUES.includes(value!))).toEqual([]);
  });

  test('DynamoDB Local and the SQS emulator run with none of the caller\'s variables; DynamoDB Local with telemetry off', () => {
    for (const pid of children) {
      const environment = environmentOf(pid);
      expect(Object.entries(environment).filter(([, value]) => CALLER_VALUES.includes(value))).toEqual([]);
    }
    const jvm = children.find((pid) => commandLineOf(pid).includes('java'))!;
    expect(commandLineOf(jvm)).toContain('-disableTelemetry');
    expect(environmentOf(jvm).DDB_LOCAL_TELEMETRY).toBe('0');
  });

  test('stop() leaves no process behind and gives the caller\'s variables back', async () => {
    await local.stop();
    await waitUntilGone(children, 10_000);
    for (const [name, value] of Object.entries(CALLER)) {
      expect(process.env[name]).toBe(value);
    }
  });
});

describe('a service that dies is reported by name, pid and signal', () => {
  test.each([
    ['DynamoDB Local', (pid: number) => commandLineOf(pid).includes('java')],
    ['The SQS emulator (fauxqs)', (pid: number) => commandLineOf(pid).some((arg) => arg.endsWith('fauxqs-server.mjs'))],
  ])('%s killed while records flow: idle() rejects naming it, and `failed` resolves with the same error', async (name, isService) => {
    const logs: string[] = [];
    const local = await startLocalPipelines({ assemblyDir: outdir, log: (line) => logs.push(line), retryDelayMs: 10 });
    try {
      const pid = descendantsOf(process.pid).find(isService)!;
      const dynamodb = new DynamoDBClient({});
      await Promise.all(Array.from({ length: 20 }, (_, index) =>
        dynamodb.send(new PutItemCommand({ TableName: local.pipe().tableName, Item: order(`order-${index}`) }))));
      dynamodb.destroy();

      process.kill(pid, 'SIGKILL');
      const message = `${name} (pid ${pid}) exited unexpectedly: SIGKILL`;
      await expect(local.idle(20_000)).rejects.toThrow(message);
      expect((await local.failed).message).toBe(message);
      expect(logs).toContain(`${message}; the local run cannot go on (stop it, or restart it)`);
      if (name === 'DynamoDB Local') {
        // The runner's own record of what it could not do reaches the app's log, whatever the pipe's log level.
        const records = () => logs.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line)] : []));
        for (let waited = 0; waited < 5000 && !records().some((record) => record.pipe && /ECONNREFUSED/.test(record.message)); waited += 100) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(records()).toContainEqual(expect.objectContaining({ level: 'ERROR', pipe: local.pipe().name, message: expect.stringContaining('ECONNREFUSED') }));
      }
    } finally {
      await local.stop();
    }
  });
});
