/**
 * The orders example's enrichment: each placed order becomes a summary (line count and total in
 * cents) for the warehouse, with no customer details. Written with the enrichment kit, one call per
 * record (README, "Writing the enrichment").
 */
import { type EnrichmentRecord, perRecord } from 'cdk-enriched-stream-to-queue/enrichment';

/** An order as the orders table holds it (the kit hands over the image as plain JSON). */
interface Order {
  readonly orderId: string;
  readonly status: string;
  readonly customerEmail: string;
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly unitPriceCents: number }>;
}

/** What the warehouse receives for each placed order. */
export interface OrderSummary {
  readonly orderId: string;
  readonly lines: number;
  readonly totalCents: number;
}

export const handler = perRecord(async ({ keys, newImage }: EnrichmentRecord<Order>): Promise<OrderSummary> => {
  const lines = newImage?.lines ?? [];
  // Another writer may store anything: a summary of a malformed order would be wrong, so throw and
  // let the pipe retry, then dead-letter the batch.
  if (!Array.isArray(lines)) throw new Error(`Order ${String(keys.orderId)} has no list of lines`);
  return {
    orderId: String(keys.orderId),
    lines: lines.length,
    totalCents: lines.reduce((total, line) => total + line.quantity * line.unitPriceCents, 0),
  };
});
