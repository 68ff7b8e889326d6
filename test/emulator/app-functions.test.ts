// `local` starts what the pipes and REST APIs need: a function no pipe or route calls does not stop
// the app when it cannot run (it is listed with the reason), inline code runs, and a function a pipe
// calls that cannot run is refused naming the function, the pipe and why. DynamoDB Local and the SQS
// emulator are started once for the file by the package's own jest global setup.
import { rmSync } from 'node:fs';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
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
