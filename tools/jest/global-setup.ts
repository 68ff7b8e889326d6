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
 *   setupFilesAfterEnv: ['cdk-enriched-stream-to-queue/local/jest-setup'],
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
  const saved = Object.fromEntries(Object.values(SHARED_SERVICES_VARIABLES).map((name) => [name, process.env[name]]));
  process.env[SHARED_SERVICES_VARIABLES.dynamodb] = dynamodb.endpoint;
  process.env[SHARED_SERVICES_VARIABLES.sqs] = sqs.endpoint;
  (globalThis as Holder)[SHARED_SERVICES_KEY] = { services, saved };
}
