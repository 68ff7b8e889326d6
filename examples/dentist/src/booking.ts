import { createHash, randomUUID } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type Appointment, type StoredAppointment, sameAppointment } from './appointment';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * - `created`: this request stored the appointment.
 * - `replayed`: an earlier request with the same Idempotency-Key and the same appointment stored it;
 *   `stored` is that earlier appointment.
 * - `conflict`: the Idempotency-Key was already used for a different appointment; nothing stored.
 */
export type BookingResult =
  | { readonly outcome: 'created' | 'replayed'; readonly stored: StoredAppointment }
  | { readonly outcome: 'conflict' };

/**
 * The appointment id for an Idempotency-Key: a SHA-256 of the key, shaped as a version 8 UUID so that
 * ids look alike with or without a key. The same key always gives the same id, which is what lets
 * one conditional write detect a retry.
 */
export function idFromIdempotencyKey(key: string): string {
  const hex = createHash('sha256').update(`dentist-appointment:${key}`).digest('hex');
  const variant = '89ab'[parseInt(hex[16], 16) % 4];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Stores `{id, appointment}` with a single conditional PutItem (`attribute_not_exists(id)`).
 *
 * The condition can fail for two reasons, and both are told apart by reading the stored item (from
 * the exception, which DynamoDB fills with `ReturnValuesOnConditionCheckFailure: ALL_OLD`, or else
 * with a strongly consistent GetItem) and comparing it with the new appointment:
 *
 * - The SDK retried our own PutItem: the first attempt reached DynamoDB and stored the item, but its
 *   response was lost (a dropped connection, a timeout), and the retry hit the condition. With a
 *   random id (no idempotency key) nothing else can hold that id, so an equal item means this
 *   request stored it: `created`. A different item under a fresh random UUID cannot happen in
 *   practice and is thrown as an error.
 * - With an idempotency key the id is derived from the key, so a client's retry hits the condition
 *   too: an equal appointment is `replayed`, a different one is a `conflict`.
 *
 * Storage errors are thrown as they are; the caller must not show their text to clients.
 */
export async function bookAppointment(
  client: DynamoDBDocumentClient,
  tableName: string,
  appointment: Appointment,
  idempotencyKey?: string,
): Promise<BookingResult> {
  const id = idempotencyKey === undefined ? randomUUID() : idFromIdempotencyKey(idempotencyKey);
  const item: StoredAppointment = { id, appointment };
  try {
    await client.send(new PutCommand({
      TableName: tableName,
      Item: item,
      ConditionExpression: 'attribute_not_exists(id)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    }));
    return { outcome: 'created', stored: item };
  } catch (error) {
    if ((error as Error | undefined)?.name !== 'ConditionalCheckFailedException') throw error;
    const existing = await existingItem(client, tableName, id, (error as { Item?: Record<string, AttributeValue> }).Item);
    const same = sameAppointment(existing.appointment, appointment);
    if (idempotencyKey === undefined) {
      if (same) return { outcome: 'created', stored: existing };
      throw new Error('A different appointment already holds the new random id');
    }
    return same ? { outcome: 'replayed', stored: existing } : { outcome: 'conflict' };
  }
}

async function existingItem(
  client: DynamoDBDocumentClient,
  tableName: string,
  id: string,
  fromException: Record<string, AttributeValue> | undefined,
): Promise<StoredAppointment> {
  if (fromException) return unmarshall(fromException) as StoredAppointment;
  const output = await client.send(new GetCommand({ TableName: tableName, Key: { id }, ConsistentRead: true }));
  if (!output.Item) {
    // Deleted between the failed condition and the read: rare; a retry of the request will store it.
    throw new Error('The appointment that failed the condition was deleted while it was being read');
  }
  return output.Item as StoredAppointment;
}
