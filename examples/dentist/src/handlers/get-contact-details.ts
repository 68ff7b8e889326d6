/**
 * The EventBridge Pipes enrichment: receives the pipe's batch of DynamoDB stream records (always a
 * JSON array) and returns one `{id, appointment, preferredMethod}` per record, same order and length,
 * the appointment reduced to what a reminder needs (no date of birth, reason or notes).
 * See enrichAppointmentRecords for records without a NewImage and for failures (which throw, so the
 * pipe retries and finally dead-letters the batch; errors are never returned as data).
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { enrichAppointmentRecords, type EnrichedAppointment } from '../contacts';
import { createDocumentClient, requiredEnv } from '../dynamodb';

const client = createDocumentClient();

export const handler = async (event: DynamoDBRecord[] | DynamoDBRecord): Promise<EnrichedAppointment[]> => {
  // The pipe always sends an array; a single record (e.g. a hand-made test event) is wrapped.
  const records = Array.isArray(event) ? event : [event];
  return enrichAppointmentRecords(client, requiredEnv('CONTACTS_TABLE_NAME'), records);
};
