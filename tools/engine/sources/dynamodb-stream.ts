/**
 * A DynamoDB stream as the source of a pipe: everything DynamoDB, behind the runner's
 * {@link StreamSource} interface (../source.ts).
 *
 * - Shards: every shard of the stream (`DescribeStream`, paginated), a child shard only after its
 *   parent has been read to its end ("process the parent shard before the child shard",
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html), new shards found by
 *   polling `DescribeStream`; records in order within a shard; `StartingPosition` for the shards open
 *   at start, `TRIM_HORIZON` for shards found later.
 * - Iterators: DynamoDB Local shares stream sequence numbers between tables, so after a `GetRecords`
 *   that returned nothing a write to another table can make the held iterator throw
 *   `TrimmedDataAccessException`; an expired iterator throws `ExpiredIteratorException`. Either way the
 *   reader takes a fresh iterator `AFTER_SEQUENCE_NUMBER` the last record it returned. For the same
 *   reason `LATEST` is taken as "after the last record present at start", found by reading each shard
 *   once from its trim horizon.
 * - Records: the shape in which Pipes hands DynamoDB stream records to the filter, the enrichment and
 *   the target is the record as the Lambda DynamoDB event carries it, not the `GetRecords` response of
 *   the AWS SDK. Sample event on the Pipes DynamoDB source page
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html) and the Lambda
 *   DynamoDB event (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html): `eventID`,
 *   `eventName`, `eventVersion`, `eventSource`, `awsRegion`, `dynamodb` (with
 *   `ApproximateCreationDateTime` in epoch seconds, `Keys`, `NewImage`, `OldImage`, `SequenceNumber`,
 *   `SizeBytes`, `StreamViewType`), `eventSourceARN` (the stream ARN), and `userIdentity` for
 *   deletions by Time to Live. What differs from the SDK's `GetRecords` result: the SDK turns
 *   `ApproximateCreationDateTime` into a `Date` and binary attribute values into `Uint8Array`; the
 *   event carries epoch seconds and base64 text, and `eventSourceARN` is added.
 * - Dead letters: `DDBStreamBatchInfo` (shape in tools/pipe/dead-letter-message.ts).
 */
import {
  _Record,
  AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  ResourceNotFoundException,
  Shard,
  ShardIteratorType,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { parseArn, regionOfArn } from '../../cloudformation/arn';
import { StreamBatchInfo } from '../../pipe/dead-letter-message';
import { ShardPage, ShardReader, SourceContext, SourceRecord, StartingPosition, StreamSource } from '../source';

/** A DynamoDB attribute value as JSON (binary as base64). */
export type JsonAttributeValue = Record<string, unknown>;

/** A stream record in the shape Pipes passes on for a DynamoDB source. */
export interface PipeRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, JsonAttributeValue>;
    readonly NewImage?: Record<string, JsonAttributeValue>;
    readonly OldImage?: Record<string, JsonAttributeValue>;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly eventSourceARN: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function attribute(value: AttributeValue): JsonAttributeValue {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: image(value.M) };
  if (value.L !== undefined) return { L: value.L.map(attribute) };
  // S, N, SS, NS, BOOL, NULL are already JSON. Drop the SDK's `$unknown` member, if any.
  const { $unknown: _unknown, ...rest } = value as AttributeValue & { $unknown?: unknown };
  return rest;
}

function image(values: Record<string, AttributeValue> | undefined): Record<string, JsonAttributeValue> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, JsonAttributeValue> = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = attribute(value);
  }
  return out;
}

/**
 * Converts one record of a `GetRecords` response to the shape Pipes passes on.
 * @param streamArn the stream's ARN (`eventSourceARN`)
 * @param region the stream's region (`awsRegion`); the record's own `awsRegion` is used only when this is empty
 */
export function toPipeRecord(record: _Record, streamArn: string, region: string): PipeRecord {
  const d = record.dynamodb ?? {};
  const dynamodb: Record<string, unknown> = {};
  if (d.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = Math.floor(d.ApproximateCreationDateTime.getTime() / 1000);
  }
  const keys = image(d.Keys);
  const newImage = image(d.NewImage);
  const oldImage = image(d.OldImage);
  if (keys) dynamodb.Keys = keys;
  if (newImage) dynamodb.NewImage = newImage;
  if (oldImage) dynamodb.OldImage = oldImage;
  if (d.SequenceNumber !== undefined) dynamodb.SequenceNumber = d.SequenceNumber;
  if (d.SizeBytes !== undefined) dynamodb.SizeBytes = d.SizeBytes;
  if (d.StreamViewType !== undefined) dynamodb.StreamViewType = d.StreamViewType;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: region || record.awsRegion || '',
    dynamodb,
    eventSourceARN: streamArn,
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
  };
}

/** Options for {@link DynamoDBStreamSource}. */
export interface DynamoDBStreamSourceOptions {
  /**
   * The pipe's `Source` as its template resolves it: the stream ARN that records (`eventSourceARN`)
   * and dead-letter messages (`streamArn`) name, and whose region is the records' `awsRegion`.
   */
  readonly streamArn: string;
  readonly startingPosition: StartingPosition;
  readonly client: DynamoDBStreamsClient;
  readonly context: SourceContext;
}

/**
 * The ARN under which the Streams API at the client's endpoint knows the pipe's `Source`. In AWS it
 * is the `Source` itself. DynamoDB Local names every stream `arn:aws:dynamodb:ddblocal:000000000000:...`
 * and refuses any other ARN, so when `DescribeStream` does not know the `Source`, the table's streams
 * (`ListStreams`) are searched for the one with the same stream label (the part after `/stream/`,
 * which identifies the stream of a table). That ARN is used for the API calls only; what the pipe's
 * code sees keeps naming the `Source`.
 * @throws Error naming the stream when neither finds it
 */
export async function streamApiArn(client: DynamoDBStreamsClient, sourceArn: string, count: SourceContext['count'] = () => undefined): Promise<string> {
  try {
    count('DescribeStream');
    await client.send(new DescribeStreamCommand({ StreamArn: sourceArn, Limit: 1 }));
    return sourceArn;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  return streamArnByLabel(client, sourceArn, count);
}

/** The ARN of the stream of the `Source`'s table whose label is the `Source`'s (`ListStreams`). */
async function streamArnByLabel(client: DynamoDBStreamsClient, sourceArn: string, count: SourceContext['count']): Promise<string> {
  const resource = parseArn(sourceArn).resource; // table/<name>/stream/<label>
  const [, tableName, , label] = resource.split('/');
  count('ListStreams');
  const listed = await client.send(new ListStreamsCommand({ TableName: tableName }));
  const found = (listed.Streams ?? []).find(stream => stream.StreamLabel === label);
  if (!found?.StreamArn) {
    throw new Error(`Stream ${sourceArn} not found: the Streams API does not know it, and table ${tableName} has no stream labelled ${label}`
      + ` (it has ${(listed.Streams ?? []).map(stream => stream.StreamLabel).join(', ') || 'none'})`);
  }
  return found.StreamArn;
}

/**
 * How far `ApproximateCreationDateTime` may lie before the record's real creation. DynamoDB rounds it
 * "down to the closest second"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html);
 * DynamoDB Local rounds it down to the minute (observed with DynamoDB Local 3.3.0). A record's age is
 * measured from the latest moment it can have been created: the earlier of when it was first read
 * (it existed by then) and its stamp plus this rounding. That is never after its real creation, so
 * the age is never over-estimated, and for a record read as it arrives it is right to the poll
 * interval. A record read long after it was written (TRIM_HORIZON) can look up to a minute younger
 * than it is.
 */
const CREATION_TIME_ROUNDING_MS = 60_000;

interface ShardState {
  readonly shard: Shard;
  status: 'waiting' | 'handed-out' | 'finished';
  initialPosition: ShardIteratorType;
}

/** A DynamoDB stream, read with the DynamoDB Streams API (DescribeStream, GetShardIterator, GetRecords). */
export class DynamoDBStreamSource implements StreamSource {
  private readonly shards = new Map<string, ShardState>();
  private started = false;
  /** The ARN the Streams API knows the stream by (see {@link streamApiArn}). */
  private apiArn: string;
  /** `awsRegion` of the records: the region of the `Source`. */
  private readonly region: string;

  constructor(private readonly options: DynamoDBStreamSourceOptions) {
    this.apiArn = options.streamArn;
    this.region = regionOfArn(options.streamArn);
  }

  public async start(): Promise<void> {
    try {
      await this.list(true);
    } catch (error) {
      // The Streams API does not know the Source under that ARN (DynamoDB Local): find its own ARN for it.
      if (!(error instanceof ResourceNotFoundException)) throw error;
      this.apiArn = await streamArnByLabel(this.options.client, this.options.streamArn, this.options.context.count);
      await this.list(true);
    }
    this.started = true;
  }

  public async discover(): Promise<void> {
    await this.list(false);
  }

  public hasReadable(): boolean {
    return [...this.shards.values()].some(state => state.status === 'waiting' && this.parentDone(state));
  }

  public async readable(): Promise<ShardReader[]> {
    const ready = [...this.shards.values()].filter(state => state.status === 'waiting' && this.parentDone(state));
    for (const state of ready) state.status = 'handed-out';
    return Promise.all(ready.map(state => this.reader(state)));
  }

  public batchInfo(records: readonly SourceRecord[]): Record<string, unknown> {
    const first = records[0];
    const last = records[records.length - 1];
    const info: StreamBatchInfo = {
      shardId: first.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.approximateArrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.approximateArrivalMs).toISOString(),
      batchSize: records.length,
      streamArn: this.options.streamArn,
    };
    return { DDBStreamBatchInfo: info };
  }

  public stop(): void {
    // The client belongs to the runner.
  }

  /** Lists every shard (DescribeStream, paginated) and records those not seen before. */
  private async list(initial: boolean): Promise<void> {
    const found: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      this.options.context.count('DescribeStream');
      const response = await this.options.client.send(new DescribeStreamCommand({
        StreamArn: this.apiArn,
        ExclusiveStartShardId: exclusiveStartShardId,
      }));
      found.push(...(response.StreamDescription?.Shards ?? []));
      exclusiveStartShardId = response.StreamDescription?.LastEvaluatedShardId;
      if (!exclusiveStartShardId) break;
    }
    for (const shard of found) {
      if (this.shards.has(shard.ShardId!)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const first = initial && !this.started;
      this.shards.set(shard.ShardId!, {
        shard,
        // With LATEST, a shard already closed at start holds nothing new.
        status: first && this.options.startingPosition === 'LATEST' && closed ? 'finished' : 'waiting',
        initialPosition: first ? this.options.startingPosition : 'TRIM_HORIZON',
      });
    }
  }

  private parentDone(state: ShardState): boolean {
    const parentId = state.shard.ParentShardId;
    const parent = parentId ? this.shards.get(parentId) : undefined;
    // A parent no longer listed has been trimmed away: nothing of it is left to read.
    return !parent || parent.status === 'finished';
  }

  private async iterator(state: ShardState, afterSequenceNumber: string | undefined): Promise<string | undefined> {
    this.options.context.count('GetShardIterator');
    const response = await this.options.client.send(new GetShardIteratorCommand({
      StreamArn: this.apiArn,
      ShardId: state.shard.ShardId,
      ...(afterSequenceNumber
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: afterSequenceNumber }
        : { ShardIteratorType: state.initialPosition }),
    }));
    return response.ShardIterator;
  }

  /** A reader positioned at the shard's starting position. */
  private async reader(state: ShardState): Promise<ShardReader> {
    let last: string | undefined;
    if (state.initialPosition === 'LATEST') {
      // LATEST is taken as "after the last record present now", found by reading the shard from its
      // trim horizon: DynamoDB Local invalidates a LATEST iterator that has returned nothing once
      // another table is written, and a fresh LATEST iterator would then skip what came in between.
      state.initialPosition = 'TRIM_HORIZON';
      last = await this.lastSequenceNumber(state);
    }
    let iterator = await this.iterator(state, last);
    const shardId = state.shard.ShardId!;
    const { context, client } = this.options;
    const next = async (): Promise<ShardPage> => {
      while (!context.stopped()) {
        if (!iterator) {
          state.status = 'finished';
          return { records: [], closed: true };
        }
        let raw: _Record[];
        try {
          context.count('GetRecords');
          const response = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          raw = response.Records ?? [];
          iterator = response.NextShardIterator;
        } catch (error) {
          if (context.stopped()) break;
          if (error instanceof ResourceNotFoundException) {
            throw new Error(`Stream ${this.options.streamArn} not found (${(error as Error).message}); the pipe stops reading, as Pipes disables a pipe whose stream is gone`);
          }
          if (!(error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException)) {
            // A transient failure (the SDK has already retried): report it, wait, and resume where the shard was.
            context.error(`GetRecords on ${shardId} failed: ${(error as Error).message}`);
            await context.sleep(1000);
          }
          // DynamoDB Local shares sequence numbers between tables: after an empty read, a write to another
          // table can invalidate the held iterator. Resume after the last record seen.
          iterator = await this.iterator(state, last);
          continue;
        }
        const readAt = Date.now();
        const records = raw.map(record => this.sourceRecord(record, shardId, readAt));
        last = records[records.length - 1]?.sequenceNumber ?? last;
        if (records.length === 0 && !iterator) {
          state.status = 'finished';
        }
        return { records, closed: records.length === 0 && !iterator };
      }
      return { records: [], closed: false };
    };
    return { shardId, next };
  }

  /** @param readAt when the page holding the record was read (the record existed by then) */
  private sourceRecord(raw: _Record, shardId: string, readAt: number): SourceRecord {
    const event = toPipeRecord(raw, this.options.streamArn, this.region);
    const arrivalMs = raw.dynamodb?.ApproximateCreationDateTime?.getTime() ?? readAt;
    return {
      event,
      shardId,
      sequenceNumber: raw.dynamodb?.SequenceNumber ?? '',
      eventID: raw.eventID,
      eventName: raw.eventName,
      keys: event.dynamodb.Keys,
      approximateArrivalMs: arrivalMs,
      latestCreationMs: Math.min(readAt, arrivalMs + CREATION_TIME_ROUNDING_MS),
      bytes: Buffer.byteLength(JSON.stringify(event)),
    };
  }

  /** The sequence number of the last record in a shard now, reading it from its trim horizon (the state's position). */
  private async lastSequenceNumber(state: ShardState): Promise<string | undefined> {
    const { context, client } = this.options;
    let last: string | undefined;
    let iterator = await this.iterator(state, undefined);
    for (let page = 0; page < 100_000 && iterator && !context.stopped(); page++) {
      try {
        context.count('GetRecords');
        const response = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records = response.Records ?? [];
        last = records[records.length - 1]?.dynamodb?.SequenceNumber ?? last;
        if (records.length === 0) break;
        iterator = response.NextShardIterator;
      } catch (error) {
        if (!(error instanceof TrimmedDataAccessException || error instanceof ExpiredIteratorException)) throw error;
        iterator = await this.iterator(state, last);
      }
    }
    return last;
  }
}
