export * from './enriched-stream-to-queue';
export * from './lambda-enrichment';
export * from './dynamodb-stream-filter';
export * as testing from './testing';
