/**
 * For tests that drive the local tools directly: DynamoDB Local and the SQS emulator, with the AWS
 * SDK pointed at them through its standard variables (region, local credentials, AWS_ENDPOINT_URL_*),
 * and everything restored by `stop()`.
 */
import { startDynamoDBLocal } from '../../tools/emulator/backends/dynamodb-local';
import { startSqsEmulator } from '../../tools/emulator/backends/sqs-emulator';
import { type LocalService } from '../../tools/emulator/support/service';

export interface LocalAws {
  readonly dynamodb: LocalService;
  readonly sqs: LocalService;
  /** Sets an environment variable until `stop()` (for example AWS_ENDPOINT_URL_LAMBDA). */
  setEnv(name: string, value: string): void;
  /** Stops both services and restores every variable set. */
  stop(): Promise<void>;
}

export async function startLocalAws(region: string): Promise<LocalAws> {
  const saved = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    process.env[name] = value;
  };
  const [dynamodb, sqs] = await Promise.all([startDynamoDBLocal(), startSqsEmulator()]);
  setEnv('AWS_REGION', region);
  setEnv('AWS_ACCESS_KEY_ID', 'local');
  setEnv('AWS_SECRET_ACCESS_KEY', 'local');
  setEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamodb.endpoint);
  setEnv('AWS_ENDPOINT_URL_DYNAMODB_STREAMS', dynamodb.endpoint);
  setEnv('AWS_ENDPOINT_URL_SQS', sqs.endpoint);
  return {
    dynamodb,
    sqs,
    setEnv,
    stop: async () => {
      await Promise.allSettled([dynamodb.stop(), sqs.stop()]);
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
