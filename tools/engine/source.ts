/**
 * What the runner (runner.ts) needs of a stream source, so that the generic stream loop (batching,
 * retries, bisect, record age, dead letters, stats) knows nothing of the service behind it. A source
 * owns its shards (discovery, lineage: a child only after its parent has been read to its end), its
 * iterators and their quirks, the conversion of its records to the shape Pipes hands on, and the
 * part of a dead-letter message that names a batch's place in the stream (`DDBStreamBatchInfo` for
 * DynamoDB, `KinesisBatchInfo` for Kinesis).
 *
 * One file per source under sources/, chosen by the pipe's `Source` ARN in sources/index.ts: a
 * Kinesis source is one new file implementing {@link StreamSource} and one line in that factory.
 */

/** One record as read from a shard, with what the runner needs besides the event itself. */
export interface SourceRecord {
  /** The event in the shape Pipes hands to the filter, the enrichment and the target. */
  readonly event: unknown;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** For outcomes and traces: the record's event id, event name and keys, as the source names them. */
  readonly eventID?: string;
  readonly eventName?: string;
  readonly keys?: Readonly<Record<string, unknown>>;
  /** The source's own arrival stamp, in epoch milliseconds, as it gives it (dead-letter messages carry it). */
  readonly approximateArrivalMs: number;
  /**
   * The latest moment at which the record can have been created, in epoch milliseconds, measured on
   * a clock right to the second; its age is measured from here, so that it is never over-estimated.
   */
  readonly latestCreationMs: number;
  /** Size of the event as JSON, in bytes (for the 6 MB batch bound). */
  readonly bytes: number;
}

/** One page read from a shard. */
export interface ShardPage {
  /** The records, in stream order (possibly none). */
  readonly records: readonly SourceRecord[];
  /** The shard is closed and has been read to its end: there is nothing more to read from it. */
  readonly closed: boolean;
}

/** Reads one shard in order. */
export interface ShardReader {
  readonly shardId: string;
  /**
   * The next page. Recovers from the service's iterator errors itself (resuming after the last
   * record it returned); throws only when the shard cannot be read any more (the stream is gone).
   */
  next(): Promise<ShardPage>;
}

/** A stream source of a pipe. */
export interface StreamSource {
  /** Finds the stream and its shards, and takes an iterator for each shard to read first. */
  start(): Promise<void>;
  /** Looks for shards created since (the service's list of shards). */
  discover(): Promise<void>;
  /**
   * Readers for the shards that may be read now and were not handed out before: every shard whose
   * parent has been read to its end (or is no longer listed).
   */
  readable(): Promise<ShardReader[]>;
  /** Whether {@link readable} would hand out a reader now. */
  hasReadable(): boolean;
  /**
   * The source-specific part of the dead-letter message for records of one shard, keyed as Pipes
   * keys it (for example `{ DDBStreamBatchInfo: {...} }`).
   * @param records the records of the batch, in stream order (at least one)
   */
  batchInfo(records: readonly SourceRecord[]): Record<string, unknown>;
  /** Releases what the source holds (nothing for sources without their own connections). */
  stop(): void;
}

/** What the runner gives a source: its counters, its logger and a sleep that ends when the runner stops. */
export interface SourceContext {
  /** Requests the source made, by API action (`GetRecords`, `GetShardIterator`, `DescribeStream`, ...). */
  count(action: 'GetRecords' | 'GetShardIterator' | 'DescribeStream' | 'ListStreams'): void;
  /** Reports a failure of the runtime (not of a pipe execution) to the app's log. */
  error(message: string): void;
  /** Sleeps, waking early when the runner stops. */
  sleep(ms: number): Promise<void>;
  /** Whether the runner is stopping. */
  stopped(): boolean;
}

/** Where the first shards are read from. */
export type StartingPosition = 'LATEST' | 'TRIM_HORIZON';
