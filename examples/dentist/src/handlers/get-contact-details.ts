/**
 * The EventBridge Pipes enrichment: receives the pipe's batch of DynamoDB stream records and returns
 * one `{id, appointment, preferredMethod}` per record, same order and length, the appointment
 * reduced to what a reminder needs (no date of birth, reason or notes). Written with the enrichment
 * kit, one call per batch, so that all contacts are fetched together (enrichAppointmentRecords).
 * Failures throw, so the pipe retries and finally dead-letters the batch; errors are never returned
 * as data.
 */
import { enrichAppointmentRecords } from '../contacts';
import { createDocumentClient, requiredEnv } from '../dynamodb';
import { perBatch } from 'cdk-enriched-stream-to-queue/enrichment';

const client = createDocumentClient();

export const handler = perBatch((records) => enrichAppointmentRecords(client, requiredEnv('CONTACTS_TABLE_NAME'), records));
