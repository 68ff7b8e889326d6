export * from './enriched-stream-to-queue';
export * from './lambda-enrichment';
export * from './event-pattern';
export * from './dynamodb-stream-filter';
export * from './stream-record';
