/**
 * `cdk-enriched-stream-to-queue/local/jest-global-setup`: starts DynamoDB Local and the SQS emulator
 * once for a whole jest run, so that each test file's `startLocalPipelines` starts in well under a
 * second instead of paying for DynamoDB Local's JVM every time.
 *
 * Test files stay apart: DynamoDB Local runs without -sharedDb, so it keeps one database per access
 * key (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html),
 * the SQS emulator keeps one set of queues per access key, and each `startLocalPipelines` uses an
 * access key of its own. Two files that synthesize the same stack get the same table and queue names,
 * in different databases.
 *
 * jest.config.js:
 *   globalSetup: 'cdk-enriched-stream-to-queue/local/jest-global-setup',
 *   globalTeardown: 'cdk-enriched-stream-to-queue/local/jest-global-teardown',
 *   testEnvironment: 'cdk-enriched-stream-to-queue/local/jest-environment',
 */
import { SHARED_SERVICES_VARIABLES } from './shared-services';
import { startDynamoDBLocal } from '../emulator/backends/dynamodb-local';
import { startSqsEmulator } from '../emulator/backends/sqs-emulator';
import { checkLocalRunDependencies } from '../emulator/support/optional-dependencies';
import type { LocalService } from '../emulator/support/service';

/** Where the setup leaves the services for the teardown (jest runs both in its main process). */
export const SHARED_SERVICES_KEY = Symbol.for('cdk-enriched-stream-to-queue/local/shared-services');

type Holder = { [SHARED_SERVICES_KEY]?: { services: LocalService[]; saved: Record<string, string | undefined> } };

/** The part of jest's project configuration the setup reads. */
interface ProjectConfig {
  readonly globalTeardown?: string | null;
}

/** One request in the AWS JSON protocol, signed by a throwaway key (neither emulator checks signatures). */
async function call(endpoint: string, target: string, body: object): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': target,
      'Authorization': 'AWS4-HMAC-SHA256 Credential=warmup/20250101/us-east-1/service/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${target}: HTTP ${response.status} ${await response.text()}`);
}

/** Creates, writes and deletes a table with a stream, and creates a queue, under a key no test file uses. */
async function warmUp(dynamodb: string, sqs: string): Promise<void> {
  const TableName = 'warmup';
  await call(dynamodb, 'DynamoDB_20120810.CreateTable', {
    TableName,
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  });
  await call(dynamodb, 'DynamoDB_20120810.PutItem', { TableName, Item: { id: { S: 'warmup' } } });
  await call(dynamodb, 'DynamoDB_20120810.DeleteTable', { TableName });
  await call(sqs, 'AmazonSQS.CreateQueue', { QueueName: 'warmup' });
}

export default async function globalSetup(_globalConfig?: unknown, projectConfig?: ProjectConfig): Promise<void> {
  checkLocalRunDependencies('The jest global setup of cdk-enriched-stream-to-queue/local');
  if (projectConfig && !projectConfig.globalTeardown) {
    process.stderr.write("cdk-enriched-stream-to-queue/local: jest has a globalSetup but no globalTeardown; add globalTeardown: 'cdk-enriched-stream-to-queue/local/jest-global-teardown', "
      + 'or DynamoDB Local and the SQS emulator keep running and jest does not exit.\n');
  }
  const started = await Promise.allSettled([startDynamoDBLocal({ sharedDb: false }), startSqsEmulator({ perAccessKey: true })]);
  const services = started.filter((result): result is PromiseFulfilledResult<LocalService> => result.status === 'fulfilled').map((result) => result.value);
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.all(services.map((service) => service.stop()));
    throw failed.reason;
  }
  const [dynamodb, sqs] = services;
  // The first table and queue a fresh JVM and emulator create take seconds; pay that here, once.
  await warmUp(dynamodb.endpoint, sqs.endpoint).catch((error: Error) => {
    process.stderr.write(`cdk-enriched-stream-to-queue/local: warming up DynamoDB Local and the SQS emulator failed (${error.message}); the first test file starts slower\n`);
  });
  const saved = Object.fromEntries(Object.values(SHARED_SERVICES_VARIABLES).map((name) => [name, process.env[name]]));
  process.env[SHARED_SERVICES_VARIABLES.dynamodb] = dynamodb.endpoint;
  process.env[SHARED_SERVICES_VARIABLES.sqs] = sqs.endpoint;
  (globalThis as Holder)[SHARED_SERVICES_KEY] = { services, saved };
}
