// `local` starts what the pipes and REST APIs need: a function no pipe or route calls does not stop
// the app when it cannot run (it is listed with the reason), inline code runs, and a function a pipe
// calls that cannot run is refused naming the function, the pipe and why. DynamoDB Local and the SQS
// emulator are started once for the file by the package's own jest global setup. `functionEnvironment`
// adds variables to every function it starts, over the template's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { addReminders } from '../../examples/readme/minimal';
import { startLocalPipelines } from '../../tools/index';
import globalSetup from '../../tools/jest/global-setup';
import globalTeardown from '../../tools/jest/global-teardown';
import { synthMinimalApp } from '../support/readme-minimal-app';

const outdirs: string[] = [];
beforeAll(async () => { await globalSetup(); }, 180_000);
afterAll(async () => {
  await globalTeardown();
  outdirs.forEach((outdir) => rmSync(outdir, { recursive: true, force: true }));
});

test('runs the README\'s minimal example: its inline enrichment delivers, and a Python function nothing calls is listed, not fatal', async () => {
  const { outdir, pipeLogicalId } = synthMinimalApp('unrelated');
  outdirs.push(outdir);
  const logs: string[] = [];
  const local = await startLocalPipelines({ assemblyDir: outdir, log: (line) => logs.push(line) });
  const dynamodb = new DynamoDBClient({});
  const sqs = new SQSClient({});
  try {
    expect(logs).toContainEqual(expect.stringMatching(
      /^Functions not started \(no pipe or REST API route calls them\): Report\w+: its Runtime is "python3\.12"; the local Lambda service runs only Node\.js runtimes \(nodejs\*\)\.$/));
    const pipe = local.pipe(pipeLogicalId);
    await dynamodb.send(new PutItemCommand({ TableName: pipe.tableName, Item: { id: { S: 'a-1' } } }));
    await local.idle();
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: pipe.queueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages.map((message) => JSON.parse(message.Body!))).toEqual([{ id: 'a-1', enriched: true }]);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    await local.stop();
  }
}, 120_000);

test('refuses an app whose pipe calls a function that cannot run, naming the function, the pipe and why', async () => {
  const { outdir } = synthMinimalApp('enrichment');
  outdirs.push(outdir);

  await expect(startLocalPipelines({ assemblyDir: outdir, log: () => {} })).rejects.toThrow(
    /^Function Enrich\w+ cannot run locally, and pipe \S+ calls it: its Runtime is "python3\.12"; the local Lambda service runs only Node\.js runtimes \(nodejs\*\)\.$/);
}, 120_000);

/** The minimal example with an enrichment that answers with the variables it sees. */
function synthEnvironmentEcho(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'function-environment-'));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'Echo', { env: { account: '111111111111', region: 'eu-west-1' } });
  addReminders(stack, new lambda.Function(stack, 'Enrich', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    environment: { GREETING: 'from the template', KEPT: 'from the template' },
    code: lambda.Code.fromInline('exports.handler = async (records) => records.map(() => ({ greeting: process.env.GREETING, kept: process.env.KEPT, '
      + 'extra: process.env.EXTRA, dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB, region: process.env.AWS_REGION }));'),
  }));
  app.synth();
  return outdir;
}

test('functionEnvironment: every function gets the variables, over the template\'s and the local endpoints; the pipes and this process keep the run\'s', async () => {
  const outdir = synthEnvironmentEcho();
  // A DynamoDB endpoint for the functions alone (a proxy, in a real test): nothing here calls it.
  const proxy = 'http://127.0.0.1:9';
  const local = await startLocalPipelines({
    assemblyDir: outdir, log: () => {}, functionEnvironment: { GREETING: 'from the test', EXTRA: 'yes', AWS_ENDPOINT_URL_DYNAMODB: proxy },
  });
  const dynamodb = new DynamoDBClient({});
  const sqs = new SQSClient({});
  try {
    expect(local.environment.AWS_ENDPOINT_URL_DYNAMODB).toBe(local.endpoints.dynamodb);
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(local.endpoints.dynamodb);
    const pipe = local.pipe();
    // The pipe reads the stream and the test writes the table at the run's own endpoints.
    await dynamodb.send(new PutItemCommand({ TableName: pipe.tableName, Item: { id: { S: 'a' } } }));
    await local.idle();
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: pipe.queueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages.map((message) => JSON.parse(message.Body!))).toEqual([
      { greeting: 'from the test', kept: 'from the template', extra: 'yes', dynamodb: proxy, region: 'eu-west-1' },
    ]);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
    await local.stop();
  }
}, 120_000);

test.each([
  ['AWS_REGION', 'AWS_REGION is set by the local run for every function and cannot be changed'],
  ['AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY_ID is set by the local run for every function and cannot be changed'],
  ['NODE_PATH', 'NODE_PATH is set by the local run for every function and cannot be changed'],
  ['1BAD', '"1BAD" is not a name Lambda accepts for a variable'],
])('functionEnvironment: %s is refused, naming it, before anything starts', async (name, message) => {
  const logs: string[] = [];
  await expect(startLocalPipelines({ assemblyDir: path.join(tmpdir(), 'not-read'), log: (line) => logs.push(line), functionEnvironment: { [name]: 'x' } }))
    .rejects.toThrow(`functionEnvironment: ${message}`);
  expect(logs).toEqual([]);
});
