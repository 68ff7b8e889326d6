/**
 * What the jest global setup hands every test file: the endpoints of the DynamoDB Local and SQS
 * emulator it started once for the run, in these environment variables (jest starts its workers
 * after the global setup, with its environment). `startLocalPipelines` uses them when both are set.
 */
export const SHARED_SERVICES_VARIABLES = {
  dynamodb: 'CDK_ENRICHED_STREAM_TO_QUEUE_SHARED_DYNAMODB_ENDPOINT',
  sqs: 'CDK_ENRICHED_STREAM_TO_QUEUE_SHARED_SQS_ENDPOINT',
} as const;

/** The shared services, if a global setup started them. */
export function sharedServices(env: NodeJS.ProcessEnv = process.env): { readonly dynamodb: string; readonly sqs: string } | undefined {
  const dynamodb = env[SHARED_SERVICES_VARIABLES.dynamodb];
  const sqs = env[SHARED_SERVICES_VARIABLES.sqs];
  return dynamodb && sqs ? { dynamodb, sqs } : undefined;
}

/**
 * Where `startLocalPipelines`'s module leaves `stopForgottenLocalPipelines` in the global scope it
 * runs in (under jest, the test file's), for the jest environment to call after the file.
 */
export const STOP_FORGOTTEN_KEY = Symbol.for('cdk-enriched-stream-to-queue/local/stop-forgotten');
