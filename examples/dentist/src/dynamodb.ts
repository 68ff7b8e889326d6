import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A DynamoDB document client. Handlers create it once at module scope so that warm invocations
 * reuse its connections.
 *
 * Region, credentials and endpoint come from the environment (`AWS_REGION`, the Lambda role, and
 * `AWS_ENDPOINT_URL_DYNAMODB` when pointing at a local DynamoDB API in tests).
 */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
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
