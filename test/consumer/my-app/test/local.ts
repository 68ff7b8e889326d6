// Shared by the app's local test files: synthesizes the app's stack into a folder of the file's own
// and runs it on this machine (DynamoDB Local with streams, the SQS emulator, the enrichment bundle).
// Under the package's jest global setup (jest.config.js), the services are started once per run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib/core';
import { MyAppStack } from '../lib/my-app-stack';
import { type LocalPipelines, type LocalPipelinesOptions, startLocalPipelines } from 'cdk-enriched-stream-to-queue/local';

/**
 * Runs the app locally for the test file that calls it: started before its tests, stopped after
 * them. `db` is a DynamoDB client with the SDK's default configuration, which reaches DynamoDB Local
 * through the AWS_ENDPOINT_URL_* variables the local run sets.
 */
export function runLocallyForThisFile(options: Omit<LocalPipelinesOptions, 'assemblyDir'> = {}): { readonly local: LocalPipelines; readonly db: DynamoDBClient } {
  let local: LocalPipelines | undefined;
  let db: DynamoDBClient | undefined;
  beforeAll(async () => {
    local = await runLocally(options);
    db = new DynamoDBClient({});
  }, 120_000);
  afterAll(async () => {
    db?.destroy();
    await local?.stop();
  });
  return {
    get local() {
      if (!local) throw new Error('the local run has not started: use it inside a test');
      return local;
    },
    get db() {
      if (!db) throw new Error('the local run has not started: use it inside a test');
      return db;
    },
  };
}

async function runLocally(options: Omit<LocalPipelinesOptions, 'assemblyDir'> = {}): Promise<LocalPipelines> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'my-app-'));
  const app = new App({ outdir });
  new MyAppStack(app, 'MyAppStack');
  app.synth();
  const local = await startLocalPipelines({ assemblyDir: outdir, log: () => {}, ...options });
  return {
    ...local,
    stop: async () => {
      await local.stop();
      fs.rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** Every message on the queue, received and parsed (the local run is idle: nothing more arrives). */
export async function receiveAll(queueUrl: string): Promise<any[]> {
  const sqs = new SQSClient({});
  const bodies: any[] = [];
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      if (Messages.length === 0) return bodies;
      bodies.push(...Messages.map((message) => JSON.parse(message.Body!)));
    }
  } finally {
    sqs.destroy();
  }
}
