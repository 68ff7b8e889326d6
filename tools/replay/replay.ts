/**
 * Re-drive the records of dead-lettered batches through the pipe's own path.
 *
 * When a batch from the table's DynamoDB stream exhausts the pipe's retries, the pipe sends its
 * dead-letter queue a message that describes WHERE the batch sits in the stream (shard id, first and
 * last sequence number, batch size, stream ARN), not the records themselves. The records stay
 * readable in the stream for 24 hours. For each such message this module reads exactly the records of
 * the range back from the stream, converts them to the shape Pipes hands on (tools/engine/sources/dynamodb-stream.ts),
 * and sends them through the pipe's filter, its enrichment (the Lambda Invoke API) and its target
 * (tools/engine/filter.ts, enrichments/, targets/), in batches no larger than the pipe's batch size, so that consumers receive the
 * same messages as from the live path. The pipe is read as it exists where the replay runs: in AWS
 * with `DescribePipe`, locally from the same API served by tools/emulator/pipes/describe-pipe-api.ts.
 *
 * A dead-letter message is deleted ONLY when every record of its range was read and every record
 * that passes the filter was delivered. Otherwise it stays on the queue, the reason is reported, and
 * the next run tries again. "Every record of its range was read" means, on an open and on a closed
 * shard alike: the first record read is the range's start sequence number, the last is its end
 * sequence number, and the number of records equals the message's `batchSize` (see
 * {@link rangeProblem}). Delivery is at least once: a message whose delivery failed half way, or
 * whose delete failed, is delivered again by the next run.
 *
 * The dead-letter message shapes it accepts are described, built and parsed in
 * tools/pipe/dead-letter-message.ts.
 */
import { randomUUID } from 'node:crypto';
import { access, rename, unlink, writeFile } from 'node:fs/promises';
import {
  _Record,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { regionOfArn } from '../cloudformation/arn';
import { enrich } from '../engine/enrichments/lambda';
import { matchesFilter } from '../engine/filter';
import { PipeRecord, streamApiArn, toPipeRecord } from '../engine/sources/dynamodb-stream';
import { PipeClients, PipeStageError } from '../engine/stage';
import { sendToTarget } from '../engine/targets/sqs-queue';
import { DeadLetterBatchInfo, parseDeadLetterMessage, SEQUENCE_NUMBER } from '../pipe/dead-letter-message';
import { PipeDefinition } from '../pipe/definition';

/** A failure of the replay; its name is its class's name. */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The batch is older than the stream's 24 hour retention, so its records are gone. */
export class RecordsExpiredError extends ReplayError {}

/** The stream or its shard no longer exists. */
export class StreamGoneError extends ReplayError {}


export interface ReadRangeOptions {
  /** Stop after this many consecutive empty GetRecords pages on an open shard. Default 10. */
  readonly maxEmptyPages?: number;
  /** Pause after an empty page, to stay under the GetRecords rate limit. Default 250 ms. */
  readonly emptyPageDelayMs?: number;
  /** Hard cap on GetRecords calls for one range. Default 1000. */
  readonly maxPages?: number;
  /** Fresh iterators taken after a TrimmedDataAccessException or ExpiredIteratorException from GetRecords. Default 5. */
  readonly maxIteratorRenewals?: number;
  /** `Limit` for each GetRecords call. Default: the service's (1000). */
  readonly pageSize?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Why reading a range stopped. */
export type RangeReadEnd =
  /** The record at the end sequence number was read. */
  | 'end'
  /** A record after the end sequence number was read, but not the end itself. */
  | 'past-end'
  /** The shard is closed (no NextShardIterator) and ended before the end sequence number. */
  | 'shard-closed'
  /** The open shard returned `maxEmptyPages` empty pages in a row before the end sequence number. */
  | 'empty-pages'
  /** `maxPages` GetRecords calls did not reach the end sequence number. */
  | 'page-limit';

/** What {@link readRange} read. */
export interface RangeRead {
  /** The records with start ≤ sequence number ≤ end, in stream order. */
  readonly records: _Record[];
  readonly end: RangeReadEnd;
  /** GetRecords calls made. */
  readonly pages: number;
}

const defaultSleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

function where(info: DeadLetterBatchInfo): string {
  return `shard ${info.shardId} of ${info.streamArn} (sequence numbers ${info.startSequenceNumber}..${info.endSequenceNumber})`;
}

function describeStreamError(err: unknown, info: DeadLetterBatchInfo): Error {
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'TrimmedDataAccessException') {
    const firstArrival = info.approximateArrivalOfFirstRecord ? `, first record arrived ${info.approximateArrivalOfFirstRecord}` : '';
    return new RecordsExpiredError(
      `The records of this batch have expired from the stream (older than the 24 hour DynamoDB Streams retention${firstArrival}): ${where(info)}. `
      + 'They can no longer be replayed from the stream; recover them from the table or a backup.',
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new StreamGoneError(`The stream or shard no longer exists (stream disabled or table deleted?): ${where(info)}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Reads the records of a dead-lettered range back from the stream, in order, start and end inclusive:
 * an iterator `AT_SEQUENCE_NUMBER` the start
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html),
 * then GetRecords until a record at or past the end sequence number, the end of a closed shard, or a
 * bounded number of empty pages on an open shard. Sequence numbers are compared as BigInt (they are
 * decimal strings of different lengths).
 *
 * A TrimmedDataAccessException or ExpiredIteratorException from GetRecords renews the iterator
 * (`AFTER_SEQUENCE_NUMBER` the last record read, or `AT_SEQUENCE_NUMBER` the start): an iterator
 * expires after 15 minutes, and DynamoDB Local throws TrimmedDataAccessException for a held iterator
 * after an empty page when another table is written. If the renewal itself is refused as trimmed, the
 * records have expired. It does not decide whether the range is complete: see {@link rangeProblem}.
 *
 * @throws RecordsExpiredError if the range is older than the stream's retention.
 * @throws StreamGoneError if the stream or shard no longer exists.
 */
export async function readRange(streams: DynamoDBStreamsClient, info: DeadLetterBatchInfo, options: ReadRangeOptions = {}): Promise<RangeRead> {
  const maxEmptyPages = options.maxEmptyPages ?? 10;
  const emptyPageDelayMs = options.emptyPageDelayMs ?? 250;
  const maxPages = options.maxPages ?? 1000;
  const maxRenewals = options.maxIteratorRenewals ?? 5;
  const sleep = options.sleep ?? defaultSleep;
  const start = BigInt(info.startSequenceNumber);
  const end = BigInt(info.endSequenceNumber);
  const records: _Record[] = [];
  let lastSequenceNumber: string | undefined;

  const iterator = async (): Promise<string | undefined> => {
    const type: ShardIteratorType = lastSequenceNumber ? 'AFTER_SEQUENCE_NUMBER' : 'AT_SEQUENCE_NUMBER';
    try {
      const out = await streams.send(new GetShardIteratorCommand({
        StreamArn: info.streamArn,
        ShardId: info.shardId,
        ShardIteratorType: type,
        SequenceNumber: lastSequenceNumber ?? info.startSequenceNumber,
      }));
      return out.ShardIterator;
    } catch (err) {
      throw describeStreamError(err, info);
    }
  };

  let shardIterator = await iterator();
  let emptyPages = 0;
  let renewals = 0;
  let pages = 0;
  while (shardIterator) {
    if (pages >= maxPages) return { records, end: 'page-limit', pages };
    pages++;
    let out;
    try {
      out = await streams.send(new GetRecordsCommand({ ShardIterator: shardIterator, Limit: options.pageSize }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if ((name === 'TrimmedDataAccessException' || name === 'ExpiredIteratorException') && renewals < maxRenewals) {
        renewals++;
        shardIterator = await iterator();
        continue;
      }
      throw describeStreamError(err, info);
    }
    const page = out.Records ?? [];
    for (const record of page) {
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      if (!sequenceNumber || !SEQUENCE_NUMBER.test(sequenceNumber)) {
        throw new Error(`Stream record ${record.eventID ?? '(no eventID)'} has no valid dynamodb.SequenceNumber`);
      }
      lastSequenceNumber = sequenceNumber;
      const seq = BigInt(sequenceNumber);
      if (seq < start) continue;
      if (seq > end) return { records, end: 'past-end', pages };
      records.push(record);
      if (seq === end) return { records, end: 'end', pages };
    }
    shardIterator = out.NextShardIterator;
    if (page.length === 0) {
      emptyPages++;
      if (shardIterator && emptyPages >= maxEmptyPages) return { records, end: 'empty-pages', pages };
      if (shardIterator) await sleep(emptyPageDelayMs);
    } else {
      emptyPages = 0;
    }
  }
  return { records, end: 'shard-closed', pages };
}

/**
 * Whether a range was read whole; `undefined` if so, else why not. The same rule for an open and a
 * closed shard:
 * - the range's end was reached (the end record was read, not only a later one, nor the end of the shard);
 * - the first record read is the range's start sequence number;
 * - the number of records equals the message's `batchSize`. A message without `batchSize` cannot
 *   rule out a gap inside the range, so it is never complete.
 *
 * `batchSize` counts the records of the failed batch. Lambda's event filtering drops records that match
 * no filter before they join a batch ("If none of your filters are satisfied, Lambda discards the
 * record", https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html), so a range may
 * also hold records the filter dropped; the Pipes documentation does not say which of the two its
 * `batchSize` counts. Both are accepted: all records of the range, or those that pass the filter.
 */
export function rangeProblem(info: DeadLetterBatchInfo, read: RangeRead, passingFilter: number): string | undefined {
  const count = read.records.length;
  const sizeNote = info.batchSize === undefined ? '' : ` of its batchSize ${info.batchSize}`;
  switch (read.end) {
    case 'shard-closed':
      return `the shard is closed and ends before the range's end sequence number ${info.endSequenceNumber} (read ${count} record(s)${sizeNote})`;
    case 'empty-pages':
      return `the open shard returned only empty pages before the range's end sequence number ${info.endSequenceNumber} (read ${count} record(s)${sizeNote}); try again later`;
    case 'page-limit':
      return `${read.pages} GetRecords pages did not reach the range's end sequence number ${info.endSequenceNumber} (read ${count} record(s)${sizeNote})`;
    case 'past-end':
      return `no record has the range's end sequence number ${info.endSequenceNumber} (a gap: read ${count} record(s)${sizeNote}, then one past the end)`;
    case 'end':
      break;
  }
  const first = read.records[0]?.dynamodb?.SequenceNumber;
  if (first !== info.startSequenceNumber) {
    return `no record has the range's start sequence number ${info.startSequenceNumber} (a gap: the first record read is ${first})`;
  }
  if (info.batchSize === undefined) {
    return `the dead-letter message has no batchSize, so a gap inside the range cannot be ruled out (read ${count} record(s))`;
  }
  if (count !== info.batchSize && passingFilter !== info.batchSize) {
    return `read ${count} record(s) (${passingFilter} pass the filter) between the range's start and end, but its batchSize is ${info.batchSize} (a gap)`;
  }
  return undefined;
}

/** Where the records of a complete range go. */
export interface Delivery {
  /** Whether a delivered range's dead-letter message is deleted. */
  readonly deletesMessages: boolean;
  /** Whether incomplete ranges are handed over too (for writing out, never for the pipe's path). */
  readonly acceptsIncompleteRanges: boolean;
  /**
   * Delivers the records of one range that pass the filter, in stream order. Must throw if any was not
   * delivered; the dead-letter message is then kept.
   */
  deliver(records: PipeRecord[], source: DeliverySource): Promise<void>;
}

/** The dead-letter message a range came from. */
export interface DeliverySource {
  readonly messageId: string;
  readonly batch: DeadLetterBatchInfo;
}

/**
 * Delivers through the pipe's own path: chunks of at most the pipe's batch size go through the
 * enrichment (one Lambda invocation per chunk, with the JSON array) and the target, exactly as
 * the engine's stages execute them for the live pipe.
 */
export function pipeDelivery(pipe: PipeDefinition, clients: PipeClients): Delivery {
  return {
    deletesMessages: true,
    acceptsIncompleteRanges: false,
    deliver: async (records) => {
      const size = Math.max(1, pipe.source.batchSize);
      for (let i = 0; i < records.length; i += size) {
        const chunk = records.slice(i, i + size);
        const items = await enrich(pipe, clients, chunk);
        await sendToTarget(pipe, clients, items);
      }
    },
  };
}

/**
 * Collects the records that pass the filter into one JSON array written to `path` (rewritten atomically
 * after every range). The array is what the pipe would hand its enrichment. Dead-letter messages are
 * kept. Incomplete ranges are written too (what is still readable may be worth saving before it
 * expires), and reported. Refuses to overwrite an existing file.
 */
export async function fileDelivery(path: string): Promise<Delivery & { written(): number }> {
  const exists = await access(path).then(() => true, () => false);
  if (exists) {
    throw new Error(`${path} already exists; choose another --out path or move the file away (it may hold records recovered earlier)`);
  }
  let all: PipeRecord[] = [];
  return {
    deletesMessages: false,
    acceptsIncompleteRanges: true,
    written: () => all.length,
    deliver: async (records) => {
      const next = [...all, ...records];
      const tmp = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(tmp, JSON.stringify(next, null, 2) + '\n', { encoding: 'utf8', flag: 'wx' });
        await rename(tmp, path);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
      all = next;
    },
  };
}

export interface ReplayOptions {
  /** The pipe whose dead-letter queue is replayed (its stream, filter, enrichment, target and batch size). */
  readonly pipe: PipeDefinition;
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
  readonly deadLetterQueueUrl: string;
  readonly delivery: Delivery;
  /** Stop after receiving this many dead-letter messages. Default 100. */
  readonly maxMessages?: number;
  /** ReceiveMessage long-poll wait, 0 to 20 s. Default 10 s. */
  readonly waitTimeSeconds?: number;
  /** How long a received message stays hidden (and, if it is kept, until it can be retried). Default 300 s. */
  readonly visibilityTimeoutSeconds?: number;
  readonly readOptions?: ReadRangeOptions;
  /** Progress and warnings. Default: silent. */
  readonly log?: (line: string) => void;
}

/** What happened to one dead-letter message. */
export interface MessageOutcome {
  readonly messageId: string;
  /** `replayed`: delivered and deleted; `written`: written to the file and kept; `kept`: not (completely) handled, kept on the queue. */
  readonly outcome: 'replayed' | 'written' | 'kept';
  /** Records of the range read from the stream. */
  readonly recordsRead: number;
  /** Of those, records that pass the pipe's filter (and were delivered, unless kept). */
  readonly recordsPassingFilter: number;
  /** Why the message was kept, or why it is a problem although handled. */
  readonly reason?: string;
}

export interface ReplaySummary {
  /** Dead-letter messages received. */
  readonly received: number;
  /** Messages deleted after every record of their range was delivered. */
  readonly replayed: number;
  /** Messages whose complete range was written to the file (kept on the queue). */
  readonly written: number;
  /** Records delivered (or written). */
  readonly recordsDelivered: number;
  /** Records of handled ranges that the filter left out. */
  readonly recordsFilteredOut: number;
  /** Messages kept on the dead-letter queue because something was incomplete or failed, with the reason. */
  readonly kept: MessageOutcome[];
  /** Whether every kept or written message was made visible again for the next run (false if there was none). */
  readonly keptVisibleAgain: boolean;
  readonly messages: MessageOutcome[];
}

interface Received {
  readonly message: Message;
  readonly messageId: string;
  readonly info?: DeadLetterBatchInfo;
  readonly error?: string;
}

function byStreamPosition(a: Received, b: Received): number {
  if (!a.info || !b.info) return (a.info ? 0 : 1) - (b.info ? 0 : 1);
  if (a.info.shardId !== b.info.shardId) return a.info.shardId < b.info.shardId ? -1 : 1;
  const x = BigInt(a.info.startSequenceNumber);
  const y = BigInt(b.info.startSequenceNumber);
  return x < y ? -1 : x > y ? 1 : 0;
}

function errorText(err: unknown): string {
  if (err instanceof PipeStageError) {
    return `the ${err.stage === 'ENRICHMENT' ? 'enrichment' : 'target'} stage failed: ${err.message}`;
  }
  return (err as Error).message ?? String(err);
}

/**
 * Drains the dead-letter queue: for each message (in stream order per shard), parse it, read its range
 * from the stream, check the range is complete, deliver the records that pass the pipe's filter, and
 * only then delete the message. A message that is incomplete or fails anywhere stays on the queue and
 * is reported with the reason; at the end of the run kept (and written) messages are made visible again
 * (`ChangeMessageVisibility` to 0) so that the next run can retry them at once.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const { pipe, delivery } = options;
  const maxMessages = options.maxMessages ?? 100;
  const log = options.log ?? (() => undefined);
  const queueUrl = options.deadLetterQueueUrl;
  const region = regionOfArn(pipe.source.streamArn);

  const messages: MessageOutcome[] = [];
  let received = 0;
  const seen = new Set<string>();

  const keptHandles: string[] = [];
  const keep = (item: Received, outcome: Omit<MessageOutcome, 'outcome'>): void => {
    messages.push({ ...outcome, outcome: 'kept' });
    if (item.message.ReceiptHandle) keptHandles.push(item.message.ReceiptHandle);
    log(`${outcome.messageId}: kept on the dead-letter queue: ${outcome.reason}`);
  };

  const handle = async (item: Received): Promise<void> => {
    const messageId = item.messageId;
    if (!item.info) {
      keep(item, { messageId, recordsRead: 0, recordsPassingFilter: 0, reason: item.error ?? 'unparseable' });
      return;
    }
    const info = item.info;
    if (info.streamArn !== pipe.source.streamArn) {
      keep(item, {
        messageId,
        recordsRead: 0,
        recordsPassingFilter: 0,
        reason: `the range is in stream ${info.streamArn}, but pipe ${pipe.name} reads ${pipe.source.streamArn}`,
      });
      return;
    }
    let read: RangeRead;
    try {
      // The stream is read under the name the Streams API at this endpoint knows it by (in AWS the
      // message's own ARN; DynamoDB Local renames every stream); the records keep the message's ARN.
      read = await readRange(options.streams, { ...info, streamArn: await streamApiArn(options.streams, info.streamArn) }, options.readOptions);
    } catch (err) {
      keep(item, { messageId, recordsRead: 0, recordsPassingFilter: 0, reason: errorText(err) });
      return;
    }
    let records: PipeRecord[];
    let passing: PipeRecord[];
    try {
      records = read.records.map(r => toPipeRecord(r, info.streamArn, region));
      passing = records.filter(r => matchesFilter(pipe, r));
    } catch (err) {
      keep(item, { messageId, recordsRead: read.records.length, recordsPassingFilter: 0, reason: errorText(err) });
      return;
    }
    const counts = { messageId, recordsRead: records.length, recordsPassingFilter: passing.length };
    const problem = rangeProblem(info, read, passing.length);
    if (problem && !delivery.acceptsIncompleteRanges) {
      keep(item, { ...counts, reason: `not every record of the range could be read: ${problem}` });
      return;
    }
    try {
      if (passing.length > 0) {
        await delivery.deliver(passing, { messageId, batch: info });
      }
    } catch (err) {
      keep(item, { ...counts, reason: errorText(err) });
      return;
    }
    if (problem) {
      keep(item, { ...counts, reason: `written, but not every record of the range could be read: ${problem}` });
      return;
    }
    if (!delivery.deletesMessages) {
      messages.push({ ...counts, outcome: 'written' });
      if (item.message.ReceiptHandle) keptHandles.push(item.message.ReceiptHandle);
      log(`${messageId}: wrote ${passing.length} record(s) of shard ${info.shardId} (${records.length - passing.length} left out by the filter); message left on the queue`);
      return;
    }
    try {
      await options.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: item.message.ReceiptHandle }));
    } catch (err) {
      keep(item, { ...counts, reason: `its records were delivered but the message could not be deleted, so a later run will deliver them again: ${(err as Error).message}` });
      return;
    }
    messages.push({ ...counts, outcome: 'replayed' });
    log(`${messageId}: replayed ${passing.length} record(s) of shard ${info.shardId} (${records.length - passing.length} left out by the filter); message deleted`);
  };

  while (received < maxMessages) {
    const out = await options.sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.min(10, maxMessages - received),
      WaitTimeSeconds: options.waitTimeSeconds ?? 10,
      VisibilityTimeout: options.visibilityTimeoutSeconds ?? 300,
    }));
    const fresh = (out.Messages ?? []).filter(m => !seen.has(m.MessageId ?? m.ReceiptHandle ?? ''));
    if (fresh.length === 0) break;

    const batch: Received[] = fresh.map(message => {
      const messageId = message.MessageId ?? '(no MessageId)';
      seen.add(message.MessageId ?? message.ReceiptHandle ?? '');
      try {
        return { message, messageId, info: parseDeadLetterMessage(message.Body ?? '') };
      } catch (err) {
        return { message, messageId, error: (err as Error).message };
      }
    });
    received += batch.length;
    batch.sort(byStreamPosition);
    for (const item of batch) {
      await handle(item);
    }
  }

  // A kept (or only written) message would stay hidden for the rest of its visibility timeout, and a
  // run started in that time (say, right after fixing the cause) would not see it. Make it visible again.
  let keptVisibleAgain = keptHandles.length > 0;
  for (const receiptHandle of keptHandles) {
    try {
      await options.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: 0 }));
    } catch (err) {
      keptVisibleAgain = false;
      log(`a kept message stays hidden until its visibility timeout (${options.visibilityTimeoutSeconds ?? 300} s) ends: ChangeMessageVisibility failed: ${(err as Error).message}`);
    }
  }

  const done = messages.filter(m => m.outcome !== 'kept');
  return {
    received,
    replayed: messages.filter(m => m.outcome === 'replayed').length,
    written: messages.filter(m => m.outcome === 'written').length,
    recordsDelivered: done.reduce((n, m) => n + m.recordsPassingFilter, 0),
    recordsFilteredOut: done.reduce((n, m) => n + m.recordsRead - m.recordsPassingFilter, 0),
    kept: messages.filter(m => m.outcome === 'kept'),
    keptVisibleAgain,
    messages,
  };
}
