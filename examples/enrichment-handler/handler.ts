/**
 * The smallest useful enrichment for an `EnrichedStreamToQueue` pipe, written with the enrichment
 * kit: each record becomes one message holding what happened and the item as plain JSON. Copy it and
 * replace the function with your own lookups (README, "Writing the enrichment").
 */
import { perRecord } from 'cdk-enriched-stream-to-queue/enrichment';

export const handler = perRecord(({ eventName, keys, newImage }) => ({ eventName, keys, item: newImage ?? null }));
