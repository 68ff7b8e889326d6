/**
 * The README's "Writing the enrichment" snippet: the enrichment kit with Powertools for AWS Lambda's
 * parser schemas (the batch's shape, and the item's) and idempotency (one enrichment per stream
 * record, across retries and replays). Type-checked by the build; test/enrichment/enrichment-powertools.test.ts
 * runs it against DynamoDB Local. The function needs the idempotency table's name in
 * IDEMPOTENCY_TABLE_NAME and read/write access to it.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBStreamRecord } from '@aws-lambda-powertools/parser/schemas';
import { DynamoDBStreamChangeRecordBase } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { type EnrichmentRecord, perRecord } from 'cdk-enriched-stream-to-queue/enrichment';

// The pipe's batch: a bare array of stream records. The `dynamodb` part uses Powertools' base schema,
// which leaves the images to the kit: Powertools' own unmarshalling turns integers beyond 2^53 into
// BigInt, which JSON cannot write, and sets into Set, which JSON writes as {}.
const PipeBatch = z.array(DynamoDBStreamRecord.extend({ dynamodb: DynamoDBStreamChangeRecordBase }));

// The item, as other writers may store it: a record that does not match fails the batch.
const Order = z.object({ orderId: z.string(), customerId: z.string(), totalCents: z.number().int() });

const idempotency = new IdempotencyConfig({
  eventKeyJmesPath: 'eventID', // unique per stream record: retried and replayed records are enriched once
  expiresAfterSeconds: 24 * 60 * 60, // as long as the stream keeps a record
});

const summarize = makeIdempotent(async (record: EnrichmentRecord) => {
  const order = Order.parse(record.newImage);
  return { orderId: order.orderId, customerId: order.customerId, totalCents: order.totalCents };
}, {
  persistenceStore: new DynamoDBPersistenceLayer({ tableName: process.env.IDEMPOTENCY_TABLE_NAME! }),
  config: idempotency,
});

const enrich = perRecord(summarize);

export const handler = async (event: unknown, context: Context) => {
  idempotency.registerLambdaContext(context);
  return enrich(PipeBatch.parse(event));
};
