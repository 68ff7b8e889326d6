/**
 * The orders example's enrichment, built on the copyable sample handler: each placed order becomes
 * a summary (line count and total in cents) for the warehouse, with no customer details.
 */
import { createEnrichmentHandler, Json } from '../enrichment-handler/handler';

/** What the warehouse receives for each placed order. */
export interface OrderSummary {
  readonly [key: string]: Json;
  readonly orderId: string;
  readonly lines: number;
  readonly totalCents: number;
}

interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceCents: number;
}

export const handler = createEnrichmentHandler<OrderSummary>(async (items) => items.map(({ keys, newImage }) => {
  const lines = (newImage?.lines ?? []) as unknown as OrderLine[];
  if (!Array.isArray(lines)) {
    throw new Error(`Order ${String(keys.orderId)} has no list of lines`);
  }
  return {
    orderId: String(keys.orderId),
    lines: lines.length,
    totalCents: lines.reduce((total, line) => total + line.quantity * line.unitPriceCents, 0),
  };
}));
