/**
 * What became of every record a pipe read, in stream order: filtered (with why), in flight,
 * delivered, or dead-lettered (with the condition and the last error), and the points where AWS is
 * silent that it depended on (unspecified.ts). Memory is bounded: the log keeps the most recent
 * outcomes only (10,000 by default); older ones are dropped from the list, not from the pipe.
 */
import { SourceRecord } from './source';

/** What became of a record. */
export type RecordOutcomeKind = 'filtered' | 'in-flight' | 'delivered' | 'dead-lettered';

/** The outcome of one record read from the stream. */
export interface RecordOutcome {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly sequenceNumber: string;
  readonly shardId: string;
  /** The record's keys, as the source gives them (DynamoDB: attribute values, `{ id: { S: 'a' } }`). */
  readonly keys?: Readonly<Record<string, unknown>>;
  readonly outcome: RecordOutcomeKind;
  /**
   * Why: for `filtered`, why the filter (or the enrichment) dropped it; for `dead-lettered`, the
   * condition (`RetryAttemptsExhausted`, `RecordAgeExceeded`) and the last error.
   */
  readonly reason?: readonly string[];
  /** The ids of the points where AWS is silent that its processing depended on. */
  readonly unspecified?: readonly string[];
}

/** A record's outcome while the runner works on it. */
export interface OutcomeEntry {
  readonly record: SourceRecord;
  outcome: RecordOutcomeKind;
  reason?: string[];
  readonly unspecified: Set<string>;
}

/** The default number of outcomes kept. */
export const DEFAULT_OUTCOME_LIMIT = 10_000;

/** The outcomes of a pipe's records, most recent last, at most `limit` of them. */
export class OutcomeLog {
  private entries: OutcomeEntry[] = [];
  private start = 0;

  constructor(
    private readonly limit = DEFAULT_OUTCOME_LIMIT,
    private readonly onSettled: (outcome: RecordOutcome) => void = () => undefined,
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`outcomeLimit must be a positive integer, got ${limit}`);
    }
  }

  /** Adds a record as read; a record settled at once (filtered) is reported. */
  public add(record: SourceRecord, outcome: RecordOutcomeKind, reason?: string[]): OutcomeEntry {
    const entry: OutcomeEntry = { record, outcome, reason, unspecified: new Set() };
    this.entries.push(entry);
    if (this.entries.length - this.start > this.limit) {
      this.start++;
      if (this.start > this.limit) {
        // Compact now and then rather than shifting on every add.
        this.entries = this.entries.slice(this.start);
        this.start = 0;
      }
    }
    if (outcome !== 'in-flight') this.onSettled(view(entry));
    return entry;
  }

  /** Records what became of a record in flight, and reports it. */
  public settle(entry: OutcomeEntry, outcome: Exclude<RecordOutcomeKind, 'in-flight'>, reason?: string[]): void {
    entry.outcome = outcome;
    entry.reason = reason;
    this.onSettled(view(entry));
  }

  /** The outcomes kept, in the order the records were read. */
  public list(): RecordOutcome[] {
    return this.entries.slice(this.start).map(view);
  }
}

function view(entry: OutcomeEntry): RecordOutcome {
  const { record } = entry;
  return {
    ...(record.eventID !== undefined ? { eventID: record.eventID } : {}),
    ...(record.eventName !== undefined ? { eventName: record.eventName } : {}),
    sequenceNumber: record.sequenceNumber,
    shardId: record.shardId,
    ...(record.keys !== undefined ? { keys: record.keys } : {}),
    outcome: entry.outcome,
    ...(entry.reason ? { reason: [...entry.reason] } : {}),
    ...(entry.unspecified.size > 0 ? { unspecified: [...entry.unspecified] } : {}),
  };
}
