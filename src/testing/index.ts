export * from './event-pattern';
export * from './stream-record';
