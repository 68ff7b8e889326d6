import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * How long one DynamoDB request may take. DynamoDB answers in milliseconds; a connection that opens
 * but never answers must fail fast enough for the SDK's retries to run and for the handler to
 * answer (or throw, so that the pipe retries) well before the Lambda timeout of 10 s cuts it off
 * without a response. Worst case per call: MAX_ATTEMPTS x (CONNECTION_TIMEOUT_MS or
 * REQUEST_TIMEOUT_MS) plus the SDK's backoff, about 3.5 s; the booking handler makes at most two
 * calls (the put, and a read-back after a failed condition).
 * @see https://repost.aws/knowledge-center/dynamodb-intermittent-timeout-errors (tune the connection
 *   and request timeouts and the retries to the application's latency budget)
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (standard mode: 3 attempts)
 */
export const CONNECTION_TIMEOUT_MS = 1000;
export const REQUEST_TIMEOUT_MS = 1000;
/** The SDK's standard retry mode makes 3 attempts; set explicitly so the budget above holds. */
export const MAX_ATTEMPTS = 3;

export interface DocumentClientOptions {
  /** @default - from the environment (AWS_REGION, or the region of the AWS profile) */
  readonly region?: string;
}

/**
 * A DynamoDB document client with connection and request timeouts. Handlers create it once at
 * module scope so that warm invocations reuse its connections.
 *
 * Region, credentials and endpoint come from the environment (`AWS_REGION`, the Lambda role, and
 * `AWS_ENDPOINT_URL_DYNAMODB` when pointing at a local DynamoDB API).
 *
 * The timeouts are given as options of the SDK's own Node.js HTTP handler, not as a bundled handler
 * instance, so the function uses the SDK of the Lambda runtime and its bundle stays small. Newer
 * handler versions only warn when `requestTimeout` passes unless `throwOnRequestTimeout` is set;
 * `socketTimeout` (no bytes for that long) is what older versions called `requestTimeout`.
 */
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({
    region: options.region,
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      socketTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** The value of a required environment variable; throws naming the variable when it is not set. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** Exponential backoff with full jitter, capped: 0 to min(cap, base * 2^attempt) milliseconds. */
export function backoffDelay(attempt: number, baseMs = 50, capMs = 1000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
