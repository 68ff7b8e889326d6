/**
 * Recover records that the EnrichedStreamToQueue pipe dead-lettered.
 *
 * When a batch from the table's DynamoDB stream exhausts `maximumRetryAttempts`, the pipe sends its
 * dead-letter queue a message that describes WHERE the batch sits in the stream (shard id, first and last
 * sequence number, stream ARN, ...), not the records themselves. The records remain readable in the
 * stream for its 24 hour retention, so this module reads them back from the stream and re-delivers them
 * in the JSON shape the pipe hands to its enrichment.
 *
 * Dead-letter message shapes accepted by {@link parseDeadLetterMessage}, and where they come from:
 *
 * 1. EventBridge Pipes (stream source with a DeadLetterConfig):
 *      { "context": { "partnerResourceArn": <pipe ARN>, "condition": "RetryAttemptsExhausted", ["requestId"] },
 *        "version": "1.0", "timestamp": ..., "DDBStreamBatchInfo": { ...batch info... } }
 *    The EventBridge user guide does not print this body: "Amazon EventBridge Pipes error handling and
 *    troubleshooting" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html)
 *    only says stream sources can route failed events to a DLQ. The shape was taken from a published capture of a
 *    real Pipes DLQ message: DVLA engineering blog (github.com/dvla/dvla.github.io), "Streaming Application State
 *    Changes using DynamoDB streams and EventBridge Pipes" (G. Griffiths, 2024-03-21). It agrees with LocalStack's
 *    emulation of Pipes stream pollers (localstack/localstack,
 *    localstack-core/localstack/services/lambda_/event_source_mapping/pollers/stream_poller.py), which builds
 *    `context: {condition, partnerResourceArn}` next to `version`, `timestamp` and the batch info object.
 * 2. Lambda event source mapping on-failure destination (same batch info, different envelope):
 *      { "requestContext": { "requestId", "functionArn", "condition", "approximateInvokeCount" },
 *        "responseContext": {...}, "version": "1.0", "timestamp": ..., "DDBStreamBatchInfo": {...} }
 *    AWS Lambda Developer Guide, "Retain discarded records for a DynamoDB event source in Lambda"
 *    (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
 * 3. Either of the above wrapped in an SNS notification envelope (`{"Type":"Notification","Message":"<json>"}`),
 *    which is what an SQS queue subscribed (without raw delivery) to an SNS dead-letter topic receives.
 *
 * `DDBStreamBatchInfo` = { shardId, startSequenceNumber, endSequenceNumber, approximateArrivalOfFirstRecord,
 * approximateArrivalOfLastRecord, batchSize, streamArn } in every shape. Anything else is rejected with an
 * error that says what was expected.
 *
 * Re-delivery is at least once: a batch whose delivery partly succeeded is delivered again in full on the next
 * run, and a message whose delete fails after delivery is replayed again.
 */
import { randomUUID } from 'node:crypto';
import { access, rename, unlink, writeFile } from 'node:fs/promises';
import {
  _Record,
  AttributeValue,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  DeleteMessageCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** Stream event names a DynamoDB stream record can carry. */
export const ALL_EVENT_NAMES: readonly string[] = ['INSERT', 'MODIFY', 'REMOVE'];

/** The construct's default pipe filter only lets INSERT records through. */
export const DEFAULT_EVENT_NAMES: readonly string[] = ['INSERT'];

/** Where a dead-lettered batch sits in the stream. */
export interface DeadLetterBatchInfo {
  readonly streamArn: string;
  readonly shardId: string;
  /** Decimal string, up to 40 digits. */
  readonly startSequenceNumber: string;
  /** Decimal string, up to 40 digits. */
  readonly endSequenceNumber: string;
  readonly batchSize?: number;
  readonly approximateArrivalOfFirstRecord?: string;
  readonly approximateArrivalOfLastRecord?: string;
  /** e.g. `RetryAttemptsExhausted`, as reported by the sender. */
  readonly condition?: string;
  /** The pipe ARN (Pipes shape) or function ARN (Lambda shape) that dead-lettered the batch. */
  readonly senderArn?: string;
  /** Which documented envelope the message used. */
  readonly format: 'pipes' | 'lambda';
}

/** A stream record in the JSON shape EventBridge Pipes passes to the enrichment for a DynamoDB source. */
export interface PipeStreamRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion?: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, unknown>;
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly eventSourceARN: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
}

/** The DLQ message a batch came from, passed to a {@link Deliver} function for context. */
export interface DeliverySource {
  readonly messageId: string;
  readonly batch: DeadLetterBatchInfo;
}

/** Delivers the recovered records of one dead-letter message; must throw if they were not all delivered. */
export type Deliver = (records: PipeStreamRecord[], source: DeliverySource) => Promise<void>;

/** A failure of the replay; its name is its class's name. */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The dead-letter message could not be understood. */
export class DeadLetterMessageError extends ReplayError {}

/** The batch is older than the stream's 24 hour retention, so its records are gone. */
export class RecordsExpiredError extends ReplayError {}

/** The stream did not yield the whole batch (yet); the dead-letter message should be kept for a later attempt. */
export class IncompleteBatchError extends ReplayError {}

/** Some records could not be delivered. */
export class DeliveryError extends ReplayError {}

const SEQUENCE_NUMBER = /^\d{1,40}$/;
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[^/]+\/stream\/.+$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DeadLetterMessageError(`${what} is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Parses the body of a dead-letter message into the stream position of the failed batch.
 *
 * @throws DeadLetterMessageError naming what is missing or wrong.
 */
export function parseDeadLetterMessage(body: string): DeadLetterBatchInfo {
  let doc = parseJson(body, 'Dead-letter message body');
  if (!isObject(doc)) {
    throw new DeadLetterMessageError('Dead-letter message body is not a JSON object');
  }
  if (doc.Type === 'Notification' && typeof doc.Message === 'string') {
    doc = parseJson(doc.Message, 'The "Message" of the SNS notification in the dead-letter message');
    if (!isObject(doc)) {
      throw new DeadLetterMessageError('The "Message" of the SNS notification in the dead-letter message is not a JSON object');
    }
  }

  if (doc.KinesisBatchInfo !== undefined) {
    throw new DeadLetterMessageError('Dead-letter message describes a Kinesis batch (KinesisBatchInfo); this tool only replays DynamoDB stream batches');
  }
  const info = doc.DDBStreamBatchInfo;
  if (!isObject(info)) {
    throw new DeadLetterMessageError(
      'Unrecognised dead-letter message: no "DDBStreamBatchInfo" object '
      + `(top-level keys: ${Object.keys(doc).join(', ') || 'none'}). Expected the EventBridge Pipes shape `
      + '{context, version, timestamp, DDBStreamBatchInfo} or the Lambda shape {requestContext, responseContext, version, timestamp, DDBStreamBatchInfo}',
    );
  }

  let format: DeadLetterBatchInfo['format'];
  let envelope: Json;
  let senderArn: unknown;
  if (isObject(doc.context)) {
    format = 'pipes';
    envelope = doc.context;
    senderArn = envelope.partnerResourceArn;
  } else if (isObject(doc.requestContext)) {
    format = 'lambda';
    envelope = doc.requestContext;
    senderArn = envelope.functionArn;
  } else {
    throw new DeadLetterMessageError(
      'Unrecognised dead-letter message: it has "DDBStreamBatchInfo" but neither a "context" object (EventBridge Pipes) '
      + 'nor a "requestContext" object (Lambda)',
    );
  }

  const problems: string[] = [];
  const text = (field: string): string | undefined => {
    const value = info[field];
    if (value === undefined || value === null || value === '') {
      problems.push(`${field} is missing`);
      return undefined;
    }
    if (typeof value !== 'string') {
      problems.push(`${field} is not a string`);
      return undefined;
    }
    return value;
  };
  const streamArn = text('streamArn');
  const shardId = text('shardId');
  const startSequenceNumber = text('startSequenceNumber');
  const endSequenceNumber = text('endSequenceNumber');

  if (streamArn !== undefined && !STREAM_ARN.test(streamArn)) {
    problems.push(`streamArn "${streamArn}" is not a DynamoDB stream ARN`);
  }
  for (const [field, value] of [['startSequenceNumber', startSequenceNumber], ['endSequenceNumber', endSequenceNumber]] as const) {
    if (value !== undefined && !SEQUENCE_NUMBER.test(value)) {
      problems.push(`${field} "${value}" is not a decimal sequence number`);
    }
  }
  let batchSize: number | undefined;
  if (info.batchSize !== undefined) {
    if (typeof info.batchSize !== 'number' || !Number.isInteger(info.batchSize) || info.batchSize < 1) {
      problems.push(`batchSize ${JSON.stringify(info.batchSize)} is not a positive integer`);
    } else {
      batchSize = info.batchSize;
    }
  }
  if (problems.length > 0) {
    throw new DeadLetterMessageError(`Dead-letter message DDBStreamBatchInfo is invalid: ${problems.join('; ')}`);
  }
  if (BigInt(startSequenceNumber!) > BigInt(endSequenceNumber!)) {
    throw new DeadLetterMessageError(
      `Dead-letter message DDBStreamBatchInfo is invalid: startSequenceNumber ${startSequenceNumber} is after endSequenceNumber ${endSequenceNumber}`,
    );
  }

  const optionalText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    streamArn: streamArn!,
    shardId: shardId!,
    startSequenceNumber: startSequenceNumber!,
    endSequenceNumber: endSequenceNumber!,
    batchSize,
    approximateArrivalOfFirstRecord: optionalText(info.approximateArrivalOfFirstRecord),
    approximateArrivalOfLastRecord: optionalText(info.approximateArrivalOfLastRecord),
    condition: optionalText(envelope.condition),
    senderArn: optionalText(senderArn),
    format,
  };
}

export interface ReadBatchOptions {
  /** Give up (IncompleteBatchError) after this many consecutive empty GetRecords pages on an open shard. Default 10. */
  readonly maxEmptyPages?: number;
  /** Pause after an empty page, to stay under the GetRecords rate limit. Default 250 ms. */
  readonly emptyPageDelayMs?: number;
  /** Hard cap on GetRecords calls for one batch. Default 1000. */
  readonly maxPages?: number;
  /** `Limit` for each GetRecords call. Default: service default (1000). */
  readonly pageSize?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

function describeStreamError(err: unknown, info: DeadLetterBatchInfo): Error {
  const name = (err as { name?: string } | undefined)?.name;
  const where = `shard ${info.shardId} of ${info.streamArn} (sequence numbers ${info.startSequenceNumber}..${info.endSequenceNumber})`;
  if (name === 'TrimmedDataAccessException') {
    const firstArrival = info.approximateArrivalOfFirstRecord ? `, first record arrived ${info.approximateArrivalOfFirstRecord}` : '';
    return new RecordsExpiredError(
      `The records of this batch have expired from the stream (older than the 24 hour DynamoDB Streams retention${firstArrival}): ${where}. `
      + 'They can no longer be replayed from the stream; recover them from the table or a backup.',
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new Error(`The stream or shard no longer exists (stream disabled or table deleted?): ${where}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Reads the records of a dead-lettered batch back from the stream, in order, start and end inclusive.
 *
 * Stops when the end sequence number has been reached or passed, or when the shard is closed (no
 * NextShardIterator). Sequence numbers are compared as BigInt.
 *
 * @throws RecordsExpiredError if the batch is older than the stream's retention.
 * @throws IncompleteBatchError if an open shard returns too many empty pages before the end, or no record of the batch is found.
 */
export async function readBatch(
  streams: DynamoDBStreamsClient,
  info: DeadLetterBatchInfo,
  options: ReadBatchOptions = {},
): Promise<_Record[]> {
  const maxEmptyPages = options.maxEmptyPages ?? 10;
  const emptyPageDelayMs = options.emptyPageDelayMs ?? 250;
  const maxPages = options.maxPages ?? 1000;
  const sleep = options.sleep ?? defaultSleep;
  const start = BigInt(info.startSequenceNumber);
  const end = BigInt(info.endSequenceNumber);

  let iterator: string | undefined;
  try {
    const out = await streams.send(new GetShardIteratorCommand({
      StreamArn: info.streamArn,
      ShardId: info.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: info.startSequenceNumber,
    }));
    iterator = out.ShardIterator;
  } catch (err) {
    throw describeStreamError(err, info);
  }
  if (!iterator) {
    throw new IncompleteBatchError(`GetShardIterator returned no iterator for shard ${info.shardId} of ${info.streamArn}`);
  }

  const records: _Record[] = [];
  let emptyPages = 0;
  for (let page = 1; iterator; page++) {
    if (page > maxPages) {
      throw new IncompleteBatchError(`Read ${maxPages} pages of shard ${info.shardId} without reaching sequence number ${info.endSequenceNumber}`);
    }
    let out;
    try {
      out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.pageSize }));
    } catch (err) {
      throw describeStreamError(err, info);
    }
    const pageRecords = out.Records ?? [];
    for (const record of pageRecords) {
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      if (!sequenceNumber || !SEQUENCE_NUMBER.test(sequenceNumber)) {
        throw new Error(`Stream record ${record.eventID ?? '(no eventID)'} has no valid dynamodb.SequenceNumber`);
      }
      const seq = BigInt(sequenceNumber);
      if (seq < start) continue;
      if (seq > end) return records;
      records.push(record);
      if (seq === end) return records;
    }

    iterator = out.NextShardIterator;
    if (pageRecords.length === 0) {
      emptyPages++;
      if (iterator && emptyPages >= maxEmptyPages) {
        throw new IncompleteBatchError(
          `Shard ${info.shardId} returned ${emptyPages} empty pages before sequence number ${info.endSequenceNumber} `
          + `(read ${records.length} record(s) so far); try again later`,
        );
      }
      if (iterator) await sleep(emptyPageDelayMs);
    } else {
      emptyPages = 0;
    }
  }

  // The shard is closed and ended before the end sequence number: what was read is all there is.
  if (records.length === 0) {
    throw new IncompleteBatchError(
      `No record between sequence numbers ${info.startSequenceNumber} and ${info.endSequenceNumber} found in closed shard ${info.shardId} of ${info.streamArn}`,
    );
  }
  return records;
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function attributeToJson(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: bytesToBase64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(bytesToBase64) };
  if (value.M !== undefined) return { M: imageToJson(value.M) };
  if (value.L !== undefined) return { L: value.L.map(attributeToJson) };
  return { ...value };
}

function imageToJson(image: Record<string, AttributeValue> | undefined): Record<string, unknown> | undefined {
  if (image === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(image)) out[name] = attributeToJson(value);
  return out;
}

/**
 * Converts a record returned by the DynamoDB Streams SDK client to the JSON the pipe passes on:
 * creation time in epoch seconds, binary attributes base64-encoded, plus `eventSourceARN`.
 */
export function toPipeRecord(record: _Record, streamArn: string): PipeStreamRecord {
  const d = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb: {
      ApproximateCreationDateTime: d.ApproximateCreationDateTime === undefined
        ? undefined
        : Math.floor(d.ApproximateCreationDateTime.getTime() / 1000),
      Keys: imageToJson(d.Keys),
      NewImage: imageToJson(d.NewImage),
      OldImage: imageToJson(d.OldImage),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
    eventSourceARN: streamArn,
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
  };
}

export interface QueueDelivererOptions {
  /** SendMessageBatch attempts for entries that keep failing (non sender-fault). Default 3. */
  readonly maxAttempts?: number;
  /** Base of the exponential pause between attempts. Default 200 ms. */
  readonly retryDelayMs?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

function chunkEntries(entries: SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const chunks: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Sends each record as one SQS message (body = the record's pipe JSON) with SendMessageBatch, in chunks of
 * at most 10 entries / 256 KiB. Failed entries are retried up to `maxAttempts`; sender faults are not retried.
 * For a FIFO queue, the shard id is the message group and the stream eventID the deduplication id.
 */
export function createQueueDeliverer(sqs: SQSClient, queueUrl: string, options: QueueDelivererOptions = {}): Deliver {
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const sleep = options.sleep ?? defaultSleep;
  const fifo = queueUrl.endsWith('.fifo');

  return async (records, source) => {
    const entries: SendMessageBatchRequestEntry[] = records.map((record, i) => ({
      Id: `r${i}`,
      MessageBody: JSON.stringify(record),
      ...(fifo ? {
        MessageGroupId: source.batch.shardId,
        MessageDeduplicationId: record.eventID ?? record.dynamodb.SequenceNumber,
      } : {}),
    }));

    const problems: string[] = [];
    for (const chunk of chunkEntries(entries)) {
      let pending = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
        const failed = out.Failed ?? [];
        if (failed.length === 0) break;
        const retryable = new Set<string>();
        for (const f of failed) {
          if (f.SenderFault) {
            problems.push(`${f.Id}: ${f.Code ?? 'error'} ${f.Message ?? ''} (sender fault, not retried)`.trim());
          } else {
            retryable.add(f.Id ?? '');
          }
        }
        pending = pending.filter(e => retryable.has(e.Id ?? ''));
        if (pending.length > 0 && attempt >= maxAttempts) {
          for (const f of failed.filter(x => !x.SenderFault)) {
            problems.push(`${f.Id}: ${f.Code ?? 'error'} ${f.Message ?? ''} (after ${attempt} attempts)`.trim());
          }
          break;
        }
        if (pending.length > 0) await sleep(retryDelayMs * 2 ** (attempt - 1));
      }
    }
    if (problems.length > 0) {
      throw new DeliveryError(`${problems.length} of ${records.length} record(s) not sent to ${queueUrl}: ${problems.join('; ')}`);
    }
  };
}

/** A deliverer that writes a JSON file, plus how many records it has written. */
export interface FileDeliverer {
  readonly deliver: Deliver;
  readonly written: () => number;
}

/**
 * Collects the records into one JSON array written to `path` (rewritten atomically after every
 * delivery, so the file is on disk before the dead-letter message may be deleted). The array is
 * exactly what the pipe would pass to the enrichment. Refuses to overwrite an existing file.
 */
export async function createFileDeliverer(path: string): Promise<FileDeliverer> {
  const exists = await access(path).then(() => true, () => false);
  if (exists) {
    throw new Error(`${path} already exists; choose another --out path or move the file away (it may hold records recovered earlier)`);
  }
  let all: PipeStreamRecord[] = [];
  return {
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
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
  readonly deadLetterQueueUrl: string;
  readonly deliver: Deliver;
  /** Stop after receiving this many dead-letter messages. Default 100. */
  readonly maxMessages?: number;
  /** Delete each dead-letter message after its records were delivered. Default true. */
  readonly deleteAfterReplay?: boolean;
  /**
   * Only records with these stream event names are delivered. Default `['INSERT']`, matching the
   * construct's default filter; pass the names your pipe's filter lets through, or {@link ALL_EVENT_NAMES}.
   */
  readonly eventNames?: readonly string[];
  /** ReceiveMessage long-poll wait. Default 10 s. */
  readonly waitTimeSeconds?: number;
  /** How long a received message stays hidden (and, if it fails, until it can be retried). Default 300 s. */
  readonly visibilityTimeoutSeconds?: number;
  readonly readOptions?: ReadBatchOptions;
  /** Progress and warnings. Default: silent. */
  readonly log?: (line: string) => void;
}

export interface ReplayFailure {
  readonly messageId: string;
  readonly error: string;
}

export interface ReplaySummary {
  /** Dead-letter messages received. */
  readonly received: number;
  /** Dead-letter messages whose records were delivered. */
  readonly messages: number;
  /** Records delivered. */
  readonly records: number;
  /** Records read from the stream but left out by the eventNames filter. */
  readonly skippedRecords: number;
  /** Dead-letter messages deleted. */
  readonly deleted: number;
  /** Messages left on the dead-letter queue because something failed. */
  readonly failed: ReplayFailure[];
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

/**
 * Drains the dead-letter queue: for each message, parse it, read its batch back from the stream, deliver the
 * records that pass the event-name filter, and only then (if `deleteAfterReplay`) delete the message.
 * A message that fails anywhere stays on the queue (it reappears after the visibility timeout) and is reported.
 */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const maxMessages = options.maxMessages ?? 100;
  const deleteAfterReplay = options.deleteAfterReplay ?? true;
  const eventNames = new Set(options.eventNames ?? DEFAULT_EVENT_NAMES);
  const log = options.log ?? (() => undefined);
  const queueUrl = options.deadLetterQueueUrl;

  let received = 0;
  let messages = 0;
  let records = 0;
  let skippedRecords = 0;
  let deleted = 0;
  const failed: ReplayFailure[] = [];
  const seen = new Set<string>();

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
      if (!item.info) {
        failed.push({ messageId: item.messageId, error: item.error ?? 'unparseable' });
        log(`${item.messageId}: kept on the dead-letter queue: ${item.error}`);
        continue;
      }
      const info = item.info;
      try {
        const raw = await readBatch(options.streams, info, options.readOptions);
        if (info.batchSize !== undefined && raw.length !== info.batchSize) {
          log(`${item.messageId}: warning: read ${raw.length} record(s) from the stream, the dead-letter message says batchSize ${info.batchSize}`);
        }
        const selected = raw.filter(r => eventNames.has(r.eventName ?? ''));
        if (selected.length > 0) {
          await options.deliver(selected.map(r => toPipeRecord(r, info.streamArn)), { messageId: item.messageId, batch: info });
        }
        messages++;
        records += selected.length;
        skippedRecords += raw.length - selected.length;
        log(`${item.messageId}: delivered ${selected.length} record(s) of shard ${info.shardId}`
          + (raw.length > selected.length ? ` (${raw.length - selected.length} left out by the event-name filter)` : ''));
      } catch (err) {
        failed.push({ messageId: item.messageId, error: (err as Error).message });
        log(`${item.messageId}: kept on the dead-letter queue: ${(err as Error).message}`);
        continue;
      }

      if (deleteAfterReplay) {
        try {
          await options.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: item.message.ReceiptHandle }));
          deleted++;
        } catch (err) {
          const error = `records were delivered but the dead-letter message could not be deleted, so a later run will deliver them again: ${(err as Error).message}`;
          failed.push({ messageId: item.messageId, error });
          log(`${item.messageId}: ${error}`);
        }
      }
    }
  }

  return { received, messages, records, skippedRecords, deleted, failed };
}
