import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isValidEmail, normaliseEmail, type ReminderAppointment } from './appointment';
import { backoffDelay, sleep } from './dynamodb';
import type { EnrichmentRecord, Item, Value } from 'cdk-enriched-stream-to-queue/enrichment';

/** How a patient wants to be contacted, as stored in the contacts table (key `id` = email). */
export type ContactMethod = 'email' | 'sms';
/** What the enrichment reports: the contact's method, or 'none' when there is nothing usable. */
export type PreferredMethod = ContactMethod | 'none';

export const CONTACT_METHODS: readonly ContactMethod[] = ['email', 'sms'];
/** BatchGetItem accepts at most 100 keys per request. */
export const MAX_KEYS_PER_BATCH_GET = 100;

/** One element of the enrichment's output; the pipe sends it to the queue as the message body. */
export interface EnrichedAppointment {
  readonly id: string;
  /**
   * What a reminder needs, nothing more (see ReminderAppointment); null when the stream record
   * carried no NewImage or its image has no appointment object (see enrichAppointmentRecords).
   */
  readonly appointment: ReminderAppointment | null;
  readonly preferredMethod: PreferredMethod;
}

export interface RetryOptions {
  /** Retries of unprocessed keys after the first request. @default 5 */
  readonly maxRetries?: number;
  /** Base of the exponential backoff between retries, in milliseconds. @default 50 */
  readonly baseDelayMs?: number;
}

/** Accepts 'email' and 'sms' in any case and with surrounding spaces; anything else is not a method. */
export function toContactMethod(value: unknown): ContactMethod | undefined {
  if (typeof value !== 'string') return undefined;
  const method = value.trim().toLowerCase();
  return (CONTACT_METHODS as readonly string[]).includes(method) ? (method as ContactMethod) : undefined;
}

/**
 * Looks up the preferred contact method of each email: one BatchGetItem per up to 100 distinct
 * emails, reading only `id` and `preferredMethod`. Unprocessed keys are retried with backoff; if some
 * are still unprocessed after `maxRetries` retries, or a request fails, this throws.
 *
 * @param emails normalised emails (duplicates are fetched once)
 * @returns the emails that have a contact with a known method; the others are absent from the map
 */
export async function getPreferredMethods(
  client: DynamoDBDocumentClient,
  tableName: string,
  emails: Iterable<string>,
  options: RetryOptions = {},
): Promise<Map<string, ContactMethod>> {
  const distinct = [...new Set(emails)];
  const found = new Map<string, ContactMethod>();
  for (let start = 0; start < distinct.length; start += MAX_KEYS_PER_BATCH_GET) {
    await getChunk(client, tableName, distinct.slice(start, start + MAX_KEYS_PER_BATCH_GET), found, options);
  }
  return found;
}

async function getChunk(
  client: DynamoDBDocumentClient,
  tableName: string,
  emails: string[],
  found: Map<string, ContactMethod>,
  { maxRetries = 5, baseDelayMs = 50 }: RetryOptions,
): Promise<void> {
  const request = {
    ProjectionExpression: '#id, #method',
    ExpressionAttributeNames: { '#id': 'id', '#method': 'preferredMethod' },
  };
  let keys: Record<string, unknown>[] = emails.map((id) => ({ id }));
  for (let attempt = 0; ; attempt++) {
    const output = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { ...request, Keys: keys } } }));
    for (const item of output.Responses?.[tableName] ?? []) {
      const method = toContactMethod(item.preferredMethod);
      if (typeof item.id === 'string' && method) found.set(item.id, method);
    }
    keys = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
    if (keys.length === 0) return;
    if (attempt >= maxRetries) {
      throw new Error(`${keys.length} contact lookups were still unprocessed after ${maxRetries} retries`);
    }
    await sleep(backoffDelay(attempt, baseDelayMs));
  }
}

function isItem(value: Value | undefined): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies only the named fields that are present. */
function pick(source: Item, keys: readonly string[]): Item {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

/**
 * Reduces a stored appointment to what a reminder sender needs (who, how to reach them, with whom,
 * when): no date of birth, reason or notes. Fields are copied by name, so anything another writer
 * added to the item does not reach the queue either.
 */
export function toReminderAppointment(appointment: Value | undefined): ReminderAppointment | null {
  if (!isItem(appointment)) return null;
  const patient = isItem(appointment.patient) ? appointment.patient : {};
  const dentist = isItem(appointment.dentist) ? appointment.dentist : {};
  return {
    ...pick(appointment, ['date', 'time']),
    patient: pick(patient, ['firstName', 'lastName', 'email', 'contactNumber']),
    dentist: pick(dentist, ['name', 'clinic', 'contactNumber']),
    ...pick(appointment, ['duration']),
  } as unknown as ReminderAppointment;
}

function emailOf(appointment: ReminderAppointment | null): string | undefined {
  const email: unknown = appointment?.patient?.email;
  if (typeof email !== 'string') return undefined;
  // The same normalisation as at booking and in add-contacts, so that the keys match.
  const normalised = normaliseEmail(email);
  // Only plausible emails become keys: an empty or oversized key would fail the whole BatchGetItem.
  return isValidEmail(normalised) ? normalised : undefined;
}

/**
 * Turns a batch of stream records, as the enrichment kit unmarshalled them (images as plain JSON:
 * numbers beyond what a JavaScript number holds exactly are decimal strings, sets are arrays), into
 * `{id, appointment, preferredMethod}` elements, in the same order and the same number.
 *
 * A record without a NewImage (a REMOVE let through by a custom filter, or a stream whose view type
 * is KEYS_ONLY) is not an error: it becomes `{id: <from Keys>, appointment: null, preferredMethod:
 * 'none'}` and a warning is logged. Throwing would make the pipe retry a batch that can never succeed
 * and finally dead-letter the good records that share it. A record without a string id anywhere
 * means the pipe is misconfigured, and throws (the kit has already refused anything that is not a
 * DynamoDB stream record).
 *
 * Contact lookups that fail (after the SDK's own retries and ours for unprocessed keys) throw, so the
 * pipe retries the batch and finally sends it to its dead-letter queue.
 */
export async function enrichAppointmentRecords(
  client: DynamoDBDocumentClient,
  contactsTableName: string,
  records: readonly EnrichmentRecord[],
  options: RetryOptions = {},
): Promise<EnrichedAppointment[]> {
  const items = records.map((record, index) => {
    const image = record.newImage;
    const id = image?.id ?? record.keys.id;
    if (typeof id !== 'string') throw new Error(`Record ${index} (eventID ${record.eventID}) has no string 'id'`);
    if (!image) {
      console.warn(JSON.stringify({
        message: 'Stream record has no NewImage; is the stream view type NEW_IMAGE?',
        eventID: record.eventID,
        eventName: record.eventName,
      }));
      return { id, appointment: null, email: undefined };
    }
    const appointment = toReminderAppointment(image.appointment);
    return { id, appointment, email: emailOf(appointment) };
  });

  const emails = items.flatMap(({ email }) => (email ? [email] : []));
  const methods = emails.length > 0 ? await getPreferredMethods(client, contactsTableName, emails, options) : new Map<string, ContactMethod>();

  return items.map(({ id, appointment, email }) => ({
    id,
    appointment,
    preferredMethod: (email && methods.get(email)) || 'none',
  }));
}
