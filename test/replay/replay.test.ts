import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  _Record,
  AttributeValue,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribePipeCommand, DescribePipeResponse, PipesClient } from '@aws-sdk/client-pipes';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { PipeRecord } from '../../tools/engine/sources/dynamodb-stream';
import { PipeStageError } from '../../tools/engine/stage';
import { DeadLetterBatchInfo, DeadLetterMessageError, parseDeadLetterMessage } from '../../tools/pipe/dead-letter-message';
import { PipeDefinition } from '../../tools/pipe/definition';
import { describePipeResponse } from '../../tools/pipe/from-describe-pipe';
import { EXIT, main, parseArgs, resolveRegion, USAGE } from '../../tools/replay/cli';
import {
  Delivery,
  fileDelivery,
  pipeDelivery,
  RangeRead,
  rangeProblem,
  readRange,
  RecordsExpiredError,
  replayDeadLetters,
  StreamGoneError,
} from '../../tools/replay/replay';

// ---------------------------------------------------------------------------------------------
// Fixtures: dead-letter bodies as the pipe / Lambda send them, and GetRecords responses in the
// service's wire JSON (epoch-second timestamps, base64 binary), converted here into what the SDK
// client hands back (Date, Uint8Array) so the mocks return exactly what a real client would.
// The mocks stand in for faults and stream states a real stream cannot be made to produce on demand
// (expiry, a vanished shard, a closed shard); test/replay/replay.local.test.ts runs against the real parts.
// ---------------------------------------------------------------------------------------------

const FIXTURES = join(__dirname, '..', 'fixtures', 'replay');
const fixtureText = async (name: string) => readFile(join(FIXTURES, name), 'utf8');

const STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/2025-03-10T08:15:02.117';
const SHARD_ID = 'shardId-00000001741594502117-6f3c9a2e';
const START_ITERATOR = `${STREAM_ARN}|1|AAAAAAAAAAFstartIteratorAtSequence9999999999999999999987==`;
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/OrdersStreamToQueue-PipeDeadLetterQueue';
const TARGET_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-reminders';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-enrichment';

/** The pipe the fixtures' dead-letter messages came from: INSERTs only, batches of 2, Lambda enrichment, SQS target. */
const PIPE: PipeDefinition = {
  name: 'OrdersStreamToQueuePipe',
  arn: 'arn:aws:pipes:eu-west-1:123456789012:pipe/OrdersStreamToQueuePipe',
  desiredState: 'RUNNING',
  source: {
    streamArn: STREAM_ARN,
    startingPosition: 'LATEST',
    batchSize: 2,
    maximumBatchingWindowSeconds: 0,
    maximumRetryAttempts: 3,
    maximumRecordAgeSeconds: 3600,
    parallelizationFactor: 1,
    deadLetterQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:OrdersStreamToQueue-PipeDeadLetterQueue',
  },
  filterPatterns: ['{"eventName":["INSERT"]}'],
  enrichment: { arn: FUNCTION_ARN },
  target: { queueArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-reminders' },
};

type WireAttribute = { [k: string]: unknown };

function wireToSdkAttribute(value: WireAttribute): AttributeValue {
  if (typeof value.B === 'string') return { B: new Uint8Array(Buffer.from(value.B, 'base64')) };
  if (Array.isArray(value.BS)) return { BS: (value.BS as string[]).map(b => new Uint8Array(Buffer.from(b, 'base64'))) };
  if (value.M) return { M: wireToSdkImage(value.M as Record<string, WireAttribute>)! };
  if (Array.isArray(value.L)) return { L: (value.L as WireAttribute[]).map(wireToSdkAttribute) };
  return value as unknown as AttributeValue;
}

function wireToSdkImage(image: Record<string, WireAttribute> | undefined): Record<string, AttributeValue> | undefined {
  if (!image) return undefined;
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, wireToSdkAttribute(v)]));
}

async function sdkPage(name: string): Promise<GetRecordsCommandOutput> {
  const wire = JSON.parse(await fixtureText(name));
  return {
    $metadata: {},
    NextShardIterator: wire.NextShardIterator,
    Records: (wire.Records as any[]).map((r): _Record => ({
      ...r,
      dynamodb: {
        ...r.dynamodb,
        ApproximateCreationDateTime: new Date(r.dynamodb.ApproximateCreationDateTime * 1000),
        Keys: wireToSdkImage(r.dynamodb.Keys),
        NewImage: wireToSdkImage(r.dynamodb.NewImage),
        OldImage: wireToSdkImage(r.dynamodb.OldImage),
      },
    })),
  };
}

const sqsMock = mockClient(SQSClient);
const streamsMock = mockClient(DynamoDBStreamsClient);
const lambdaMock = mockClient(LambdaClient);
const pipesMock = mockClient(PipesClient);
const sqs = new SQSClient({ region: 'eu-west-1' });
const streams = new DynamoDBStreamsClient({ region: 'eu-west-1' });
const noWait = { emptyPageDelayMs: 0, sleep: async () => undefined };

let page1: GetRecordsCommandOutput;
let page2: GetRecordsCommandOutput;
let page3: GetRecordsCommandOutput;
let pipesBody: string;
let lambdaBody: string;
let batchInfo: DeadLetterBatchInfo;

/** The stream: iterator at the start sequence number → page 1 → page 2 → page 3 (holds the end and one later record). */
function mockStream() {
  streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
  streamsMock.on(GetRecordsCommand, { ShardIterator: START_ITERATOR }).resolves(page1);
  streamsMock.on(GetRecordsCommand, { ShardIterator: page1.NextShardIterator }).resolves(page2);
  streamsMock.on(GetRecordsCommand, { ShardIterator: page2.NextShardIterator }).resolves(page3);
}

function dlqMessage(id: string, body: string): Message {
  return { MessageId: id, ReceiptHandle: `rh-${id}`, Body: body };
}

function withBatchInfo(body: string, patch: Record<string, unknown>): string {
  const doc = JSON.parse(body);
  doc.DDBStreamBatchInfo = { ...doc.DDBStreamBatchInfo, ...patch };
  for (const [k, v] of Object.entries(patch)) if (v === undefined) delete doc.DDBStreamBatchInfo[k];
  return JSON.stringify(doc);
}

/** A delivery that records what it was handed, and deletes messages like the pipe's path does. */
function recordingDelivery(calls: string[], delivered: PipeRecord[][] = [], fail?: (messageId: string) => Error | undefined): Delivery {
  return {
    deletesMessages: true,
    acceptsIncompleteRanges: false,
    deliver: async (records, source) => {
      calls.push(`deliver:${source.messageId}`);
      const error = fail?.(source.messageId);
      if (error) throw error;
      delivered.push(records);
    },
  };
}

function trackDeletes(calls: string[]) {
  sqsMock.on(DeleteMessageCommand).callsFake(input => {
    calls.push(`delete:${input.ReceiptHandle}`);
    return {};
  });
}

const replayOptions = (delivery: Delivery, extra: Partial<Parameters<typeof replayDeadLetters>[0]> = {}) => ({
  pipe: PIPE, sqs, streams, deadLetterQueueUrl: DLQ_URL, delivery, readOptions: noWait, waitTimeSeconds: 0, ...extra,
});

beforeAll(async () => {
  page1 = await sdkPage('get-records-page-1.json');
  page2 = await sdkPage('get-records-page-2.json');
  page3 = await sdkPage('get-records-page-3.json');
  pipesBody = await fixtureText('pipes-dead-letter-message.json');
  lambdaBody = await fixtureText('lambda-dead-letter-message.json');
  batchInfo = parseDeadLetterMessage(pipesBody);
});

beforeEach(() => {
  sqsMock.reset();
  streamsMock.reset();
  lambdaMock.reset();
  pipesMock.reset();
});

// ---------------------------------------------------------------------------------------------
describe('parseDeadLetterMessage', () => {
  test('reads the stream position from the EventBridge Pipes dead-letter shape (context.partnerResourceArn)', () => {
    expect(parseDeadLetterMessage(pipesBody)).toEqual({
      format: 'pipes',
      streamArn: STREAM_ARN,
      shardId: SHARD_ID,
      startSequenceNumber: '9999999999999999999987',
      endSequenceNumber: '10000000000000000000019',
      batchSize: 5,
      approximateArrivalOfFirstRecord: '2025-03-12T09:40:11Z',
      approximateArrivalOfLastRecord: '2025-03-12T09:40:14Z',
      condition: 'RetryAttemptsExhausted',
      senderArn: 'arn:aws:pipes:eu-west-1:123456789012:pipe/OrdersStreamToQueuePipe-k3J9xQ2mWf1A',
    });
  });

  test('also accepts the Lambda event-source-mapping on-failure shape (requestContext.functionArn)', () => {
    const info = parseDeadLetterMessage(lambdaBody);
    expect(info.format).toBe('lambda');
    expect(info.senderArn).toBe('arn:aws:lambda:eu-west-1:123456789012:function:orders-stream-handler');
    expect(info.startSequenceNumber).toBe('9999999999999999999987');
    expect(info.endSequenceNumber).toBe('10000000000000000000019');
  });

  test('unwraps an SNS notification envelope around a Pipes dead-letter message', () => {
    const envelope = JSON.stringify({ Type: 'Notification', MessageId: 'c1a2', TopicArn: 'arn:aws:sns:eu-west-1:123456789012:pipe-dlq', Message: pipesBody });
    expect(parseDeadLetterMessage(envelope)).toEqual(batchInfo);
  });

  test('rejects a body that is not JSON, saying so', () => {
    expect(() => parseDeadLetterMessage('shardId=abc')).toThrow(/not valid JSON/);
  });

  test('rejects JSON without DDBStreamBatchInfo and names both expected shapes', () => {
    expect(() => parseDeadLetterMessage(JSON.stringify({ eventID: '1', dynamodb: {} })))
      .toThrow(/no "DDBStreamBatchInfo" object \(top-level keys: eventID, dynamodb\).*EventBridge Pipes shape.*Lambda shape/);
  });

  test('rejects a Kinesis batch (KinesisBatchInfo) as out of scope', () => {
    const kinesis = JSON.stringify({ context: { condition: 'RetryAttemptsExhausted' }, KinesisBatchInfo: { shardId: 'shardId-000000000000' } });
    expect(() => parseDeadLetterMessage(kinesis)).toThrow(/Kinesis batch/);
  });

  test('rejects DDBStreamBatchInfo without a Pipes "context" or Lambda "requestContext" envelope', () => {
    const doc = JSON.parse(pipesBody);
    delete doc.context;
    expect(() => parseDeadLetterMessage(JSON.stringify(doc))).toThrow(/neither a "context" object .* nor a "requestContext" object/);
  });

  test.each(['streamArn', 'shardId', 'startSequenceNumber', 'endSequenceNumber'])(
    'names the missing required field %s',
    field => {
      const body = withBatchInfo(pipesBody, { [field]: undefined });
      expect(() => parseDeadLetterMessage(body)).toThrow(DeadLetterMessageError);
      expect(() => parseDeadLetterMessage(body)).toThrow(`${field} is missing`);
    },
  );

  test('lists every missing field at once', () => {
    const body = withBatchInfo(pipesBody, { streamArn: undefined, endSequenceNumber: '' });
    expect(() => parseDeadLetterMessage(body)).toThrow('streamArn is missing; endSequenceNumber is missing');
  });

  test('rejects a sequence number that is not a decimal string and a non-stream ARN', () => {
    expect(() => parseDeadLetterMessage(withBatchInfo(pipesBody, { startSequenceNumber: '0x1F' })))
      .toThrow('startSequenceNumber "0x1F" is not a decimal sequence number');
    expect(() => parseDeadLetterMessage(withBatchInfo(pipesBody, { streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/Orders' })))
      .toThrow(/is not a DynamoDB stream ARN/);
  });

  test('rejects start after end, comparing as numbers not strings ("100" > "99")', () => {
    expect(() => parseDeadLetterMessage(withBatchInfo(pipesBody, { startSequenceNumber: '100', endSequenceNumber: '99' })))
      .toThrow('startSequenceNumber 100 is after endSequenceNumber 99');
    // and the fixture's start (22 digits, "9…") before end (23 digits, "1…") is accepted
    expect(() => parseDeadLetterMessage(pipesBody)).not.toThrow();
  });

  test('rejects a batchSize that is not a positive integer', () => {
    expect(() => parseDeadLetterMessage(withBatchInfo(pipesBody, { batchSize: '5' }))).toThrow('batchSize "5" is not a positive integer');
  });
});


// ---------------------------------------------------------------------------------------------
describe('readRange', () => {
  test('starts AT_SEQUENCE_NUMBER, follows the iterators across pages and stops at the end sequence number (BigInt order across digit counts)', async () => {
    mockStream();
    const read = await readRange(streams, batchInfo, noWait);

    expect(streamsMock.commandCalls(GetShardIteratorCommand)[0].args[0].input).toEqual({
      StreamArn: STREAM_ARN,
      ShardId: SHARD_ID,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '9999999999999999999987',
    });
    expect(read.end).toBe('end');
    expect(read.records.map(r => r.dynamodb?.SequenceNumber)).toEqual([
      '9999999999999999999987',
      '9999999999999999999993',
      '10000000000000000000006',
      '10000000000000000000012',
      '10000000000000000000019',
    ]);
    // the record after the end (…025, same page) is not part of the range, and no fourth page is requested
    expect(streamsMock.commandCalls(GetRecordsCommand)).toHaveLength(3);
  });

  test('a record past the end when the end record itself is absent ends the read as past-end', async () => {
    mockStream();
    const read = await readRange(streams, { ...batchInfo, endSequenceNumber: '10000000000000000000020' }, noWait);
    expect(read.end).toBe('past-end');
    expect(read.records.map(r => r.dynamodb?.SequenceNumber).pop()).toBe('10000000000000000000019');
  });

  test('a closed shard (no NextShardIterator) that ends before the end sequence number ends the read as shard-closed', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand, { ShardIterator: START_ITERATOR }).resolves(page1);
    streamsMock.on(GetRecordsCommand, { ShardIterator: page1.NextShardIterator }).resolves({ ...page2, NextShardIterator: undefined });

    const read = await readRange(streams, batchInfo, noWait);
    expect(read).toMatchObject({ end: 'shard-closed', pages: 2 });
    expect(read.records).toHaveLength(4);
  });

  test('an open shard that returns only empty pages ends the read as empty-pages after the bounded number of them', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: START_ITERATOR });

    const read = await readRange(streams, batchInfo, { ...noWait, maxEmptyPages: 4 });
    expect(read).toEqual({ records: [], end: 'empty-pages', pages: 4 });
    expect(streamsMock.commandCalls(GetRecordsCommand)).toHaveLength(4);
  });

  test('an empty page in the middle does not end the read', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand, { ShardIterator: START_ITERATOR }).resolves({ ...page1, NextShardIterator: 'it-empty' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-empty' }).resolves({ Records: [], NextShardIterator: page1.NextShardIterator });
    streamsMock.on(GetRecordsCommand, { ShardIterator: page1.NextShardIterator }).resolves(page2);
    streamsMock.on(GetRecordsCommand, { ShardIterator: page2.NextShardIterator }).resolves(page3);

    const read = await readRange(streams, batchInfo, noWait);
    expect(read.end).toBe('end');
    expect(read.records).toHaveLength(5);
  });

  test('TrimmedDataAccessException on a held iterator (DynamoDB Local after an empty page) renews it AFTER_SEQUENCE_NUMBER the last record read', async () => {
    streamsMock.on(GetShardIteratorCommand, { ShardIteratorType: 'AT_SEQUENCE_NUMBER' }).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetShardIteratorCommand, { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' }).resolves({ ShardIterator: 'it-renewed' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: START_ITERATOR }).resolves({ ...page1, NextShardIterator: 'it-empty' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-empty' }).resolves({ Records: [], NextShardIterator: 'it-held' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-held' }).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-renewed' }).resolves(page2);
    streamsMock.on(GetRecordsCommand, { ShardIterator: page2.NextShardIterator }).resolves(page3);

    const read = await readRange(streams, batchInfo, noWait);

    expect(read.end).toBe('end');
    expect(read.records).toHaveLength(5);
    expect(streamsMock.commandCalls(GetShardIteratorCommand)[1].args[0].input).toMatchObject({
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: '9999999999999999999993',
    });
  });

  test('TrimmedDataAccessException from GetShardIterator means the records have expired', async () => {
    streamsMock.on(GetShardIteratorCommand).rejects(new TrimmedDataAccessException({ message: 'Attempted to access data beyond the trim horizon', $metadata: {} }));
    await expect(readRange(streams, batchInfo, noWait)).rejects.toThrow(RecordsExpiredError);
    await expect(readRange(streams, batchInfo, noWait)).rejects.toThrow(/records of this batch have expired from the stream.*24 hour/);
  });

  test('TrimmedDataAccessException from GetRecords that renewing the iterator does not cure is reported as expiry', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    await expect(readRange(streams, batchInfo, { ...noWait, maxIteratorRenewals: 2 })).rejects.toThrow(RecordsExpiredError);
    expect(streamsMock.commandCalls(GetShardIteratorCommand)).toHaveLength(3);
  });

  test('a vanished stream (ResourceNotFoundException) gets a clear message', async () => {
    streamsMock.on(GetShardIteratorCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    await expect(readRange(streams, batchInfo, noWait)).rejects.toThrow(StreamGoneError);
    await expect(readRange(streams, batchInfo, noWait)).rejects.toThrow(/stream or shard no longer exists/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('rangeProblem: one rule for open and closed shards', () => {
  const read = (end: RangeRead['end'], count = 5): RangeRead => ({ records: [...page1.Records!, ...page2.Records!, page3.Records![0]].slice(0, count), end, pages: 3 });

  test('a range read from its start to its end record with batchSize records is complete', () => {
    expect(rangeProblem(batchInfo, read('end'), 3)).toBeUndefined();
  });

  test('a range holding records the filter dropped is complete when those that pass number batchSize', () => {
    expect(rangeProblem({ ...batchInfo, batchSize: 3 }, read('end'), 3)).toBeUndefined();
  });

  test('fewer records than batchSize between the start and the end is a gap', () => {
    expect(rangeProblem({ ...batchInfo, batchSize: 6 }, read('end'), 3))
      .toBe('read 5 record(s) (3 pass the filter) between the range\'s start and end, but its batchSize is 6 (a gap)');
  });

  test('an open shard that stops before the end and a closed shard that ends before it are both incomplete', () => {
    const open = rangeProblem(batchInfo, read('empty-pages', 4), 2);
    const closed = rangeProblem(batchInfo, read('shard-closed', 4), 2);
    expect(open).toBe('the open shard returned only empty pages before the range\'s end sequence number 10000000000000000000019 (read 4 record(s) of its batchSize 5); try again later');
    expect(closed).toBe('the shard is closed and ends before the range\'s end sequence number 10000000000000000000019 (read 4 record(s) of its batchSize 5)');
  });

  test('zero records from an open shard is incomplete, not an empty success', () => {
    expect(rangeProblem(batchInfo, { records: [], end: 'empty-pages', pages: 10 }, 0)).toMatch(/^the open shard returned only empty pages .*read 0 record\(s\)/);
  });

  test('a missing end record (a later one was read) and a missing start record are gaps', () => {
    expect(rangeProblem(batchInfo, read('past-end', 4), 2)).toBe('no record has the range\'s end sequence number 10000000000000000000019 (a gap: read 4 record(s) of its batchSize 5, then one past the end)');
    const fromSecond = { records: read('end').records.slice(1), end: 'end' as const, pages: 3 };
    expect(rangeProblem({ ...batchInfo, batchSize: 4 }, fromSecond, 2)).toBe('no record has the range\'s start sequence number 9999999999999999999987 (a gap: the first record read is 9999999999999999999993)');
  });

  test('without batchSize a gap inside the range cannot be ruled out', () => {
    expect(rangeProblem({ ...batchInfo, batchSize: undefined }, read('end'), 3)).toBe('the dead-letter message has no batchSize, so a gap inside the range cannot be ruled out (read 5 record(s))');
  });
});

// ---------------------------------------------------------------------------------------------
describe('replayDeadLetters', () => {
  test('delivers the records that pass the pipe\'s filter, then deletes the message', async () => {
    mockStream();
    const calls: string[] = [];
    const delivered: PipeRecord[][] = [];
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    trackDeletes(calls);

    const summary = await replayDeadLetters(replayOptions(recordingDelivery(calls, delivered)));

    expect(calls).toEqual(['deliver:m-1', 'delete:rh-m-1']);
    expect(summary).toMatchObject({ received: 1, replayed: 1, written: 0, recordsDelivered: 3, recordsFilteredOut: 2, kept: [] });
    expect(delivered[0].map(r => r.dynamodb.SequenceNumber)).toEqual(['9999999999999999999987', '10000000000000000000006', '10000000000000000000019']);
    expect(delivered[0][0]).toMatchObject({ eventSourceARN: STREAM_ARN, awsRegion: 'eu-west-1', dynamodb: { ApproximateCreationDateTime: 1741772411 } });
    expect(sqsMock.commandCalls(DeleteMessageCommand)[0].args[0].input).toEqual({ QueueUrl: DLQ_URL, ReceiptHandle: 'rh-m-1' });
  });

  test('long-polls the dead-letter queue for up to 10 messages and hides them while working', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({});
    await replayDeadLetters(replayOptions(recordingDelivery([]), { waitTimeSeconds: undefined }));
    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0].args[0].input).toEqual({
      QueueUrl: DLQ_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 10, VisibilityTimeout: 300,
    });
  });

  test('a range that yields fewer records than its batchSize is kept, undelivered (issue 11: it used to be deleted after a warning)', async () => {
    mockStream();
    const calls: string[] = [];
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-short', withBatchInfo(pipesBody, { batchSize: 6 }))] }).resolves({});
    trackDeletes(calls);

    const summary = await replayDeadLetters(replayOptions(recordingDelivery(calls)));

    expect(calls).toEqual([]);
    expect(summary.kept).toEqual([{
      messageId: 'm-short',
      outcome: 'kept',
      recordsRead: 5,
      recordsPassingFilter: 3,
      reason: 'not every record of the range could be read: read 5 record(s) (3 pass the filter) between the range\'s start and end, but its batchSize is 6 (a gap)',
    }]);
  });

  test.each([
    ['an open shard that stops returning records', { Records: [], NextShardIterator: 'it-open' }],
    ['a closed shard', { Records: [], NextShardIterator: undefined }],
  ])('a range cut short by %s is kept, the same on both paths', async (_label, after) => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand, { ShardIterator: START_ITERATOR }).resolves(page1);
    streamsMock.on(GetRecordsCommand, { ShardIterator: page1.NextShardIterator }).resolves({ ...page2, NextShardIterator: 'it-after' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-after' }).resolves(after);
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-open' }).resolves(after);
    const calls: string[] = [];
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    trackDeletes(calls);

    const summary = await replayDeadLetters(replayOptions(recordingDelivery(calls)));

    expect(calls).toEqual([]);
    expect(summary.kept).toHaveLength(1);
    expect(summary.kept[0].reason).toMatch(/^not every record of the range could be read: the (open shard returned only empty pages|shard is closed and ends) before the range's end sequence number 10000000000000000000019 \(read 4 record\(s\) of its batchSize 5\)/);
  });

  test('kept messages are made visible again at the end of the run, so the next run retries them at once', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-junk', 'not json'), dlqMessage('m-old', pipesBody)] }).resolves({});
    streamsMock.on(GetShardIteratorCommand).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));

    const summary = await replayDeadLetters(replayOptions(recordingDelivery([])));

    expect(summary.keptVisibleAgain).toBe(true);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand).map(c => c.args[0].input)).toEqual([
      { QueueUrl: DLQ_URL, ReceiptHandle: 'rh-m-old', VisibilityTimeout: 0 },
      { QueueUrl: DLQ_URL, ReceiptHandle: 'rh-m-junk', VisibilityTimeout: 0 },
    ]);
  });

  test('without sqs:ChangeMessageVisibility a kept message waits out its visibility timeout, and the log says so', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-junk', 'not json')] }).resolves({});
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(new Error('not authorized to perform: sqs:changemessagevisibility'));
    const lines: string[] = [];
    const summary = await replayDeadLetters(replayOptions(recordingDelivery([]), { log: l => lines.push(l) }));
    expect(summary.keptVisibleAgain).toBe(false);
    expect(lines).toContain('a kept message stays hidden until its visibility timeout (300 s) ends: ChangeMessageVisibility failed: not authorized to perform: sqs:changemessagevisibility');
  });

  test('a message about another stream than the pipe reads is kept and never read', async () => {
    const otherStream = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Other/stream/2025-01-01T00:00:00.000';
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-other', withBatchInfo(pipesBody, { streamArn: otherStream }))] }).resolves({});
    const summary = await replayDeadLetters(replayOptions(recordingDelivery([])));
    expect(streamsMock.calls()).toHaveLength(0);
    expect(summary.kept[0].reason).toBe(`the range is in stream ${otherStream}, but pipe OrdersStreamToQueuePipe reads ${STREAM_ARN}`);
  });

  test('a failed delivery leaves the message on the queue, is reported, and the next message is still replayed', async () => {
    mockStream();
    const calls: string[] = [];
    sqsMock.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [dlqMessage('m-bad', pipesBody), dlqMessage('m-good', lambdaBody)] })
      .resolves({});
    trackDeletes(calls);
    const delivery = recordingDelivery(calls, [], id => (id === 'm-bad' ? new PipeStageError('TARGET', 'SendMessageBatch failed') : undefined));

    const summary = await replayDeadLetters(replayOptions(delivery));

    expect(calls).toEqual(['deliver:m-bad', 'deliver:m-good', 'delete:rh-m-good']);
    expect(summary.kept.map(k => [k.messageId, k.reason])).toEqual([['m-bad', 'the target stage failed: SendMessageBatch failed']]);
    expect(summary.replayed).toBe(1);
  });

  test('an unparseable message is reported and kept, and never reaches the stream or the delivery', async () => {
    const calls: string[] = [];
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-junk', '{"hello":"world"}')] }).resolves({});
    trackDeletes(calls);

    const summary = await replayDeadLetters(replayOptions(recordingDelivery(calls)));

    expect(calls).toEqual([]);
    expect(streamsMock.calls()).toHaveLength(0);
    expect(summary.kept).toEqual([expect.objectContaining({ messageId: 'm-junk', reason: expect.stringMatching(/no "DDBStreamBatchInfo"/) })]);
  });

  test('expired records are reported with the expiry reason and the message is kept', async () => {
    streamsMock.on(GetShardIteratorCommand).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-old', pipesBody)] }).resolves({});

    const summary = await replayDeadLetters(replayOptions(recordingDelivery([])));

    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(summary.kept[0].reason).toMatch(/expired from the stream/);
  });

  test('a delete that fails after delivery is reported as a future duplicate', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    sqsMock.on(DeleteMessageCommand).rejects(new Error('ReceiptHandle is invalid'));
    const summary = await replayDeadLetters(replayOptions(recordingDelivery([])));
    expect(summary.replayed).toBe(0);
    expect(summary.kept[0].reason).toMatch(/delivered but the message could not be deleted, so a later run will deliver them again/);
  });

  test('a range the filter leaves entirely out is not delivered but is complete, so its message is deleted', async () => {
    mockStream();
    const calls: string[] = [];
    const modifyOnly = withBatchInfo(pipesBody, { startSequenceNumber: '9999999999999999999993', endSequenceNumber: '9999999999999999999993', batchSize: 1 });
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', modifyOnly)] }).resolves({});
    trackDeletes(calls);
    const summary = await replayDeadLetters(replayOptions(recordingDelivery(calls)));
    expect(calls).toEqual(['delete:rh-m-1']);
    expect(summary).toMatchObject({ replayed: 1, recordsDelivered: 0, recordsFilteredOut: 1 });
  });

  test('stops at maxMessages, asking only for what is left', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [dlqMessage('m-1', pipesBody), dlqMessage('m-2', pipesBody)] });
    sqsMock.on(DeleteMessageCommand).resolves({});
    const summary = await replayDeadLetters(replayOptions(recordingDelivery([]), { maxMessages: 2 }));
    expect(summary.received).toBe(2);
    const receives = sqsMock.commandCalls(ReceiveMessageCommand);
    expect(receives).toHaveLength(1);
    expect(receives[0].args[0].input.MaxNumberOfMessages).toBe(2);
  });

  test('a kept message that becomes visible again in the same run is not retried in a loop', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [dlqMessage('m-junk', 'not json')] });
    const summary = await replayDeadLetters(replayOptions(recordingDelivery([])));
    expect(summary.received).toBe(1);
    expect(summary.kept).toHaveLength(1);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
describe('pipeDelivery: the pipe\'s own path', () => {
  const lambda = new LambdaClient({ region: 'eu-west-1' });
  const enriched = (payload: Uint8Array | string | undefined) => (JSON.parse(Buffer.from(payload as Uint8Array).toString('utf8')) as PipeRecord[])
    .map(r => ({ order: r.dynamodb.Keys!.orderId, batch: 'enriched' }));

  test('sends batches of at most the pipe\'s batch size through the enrichment, and the enrichment\'s items to the target', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    sqsMock.on(DeleteMessageCommand).resolves({});
    sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: TARGET_URL });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    lambdaMock.on(InvokeCommand).callsFake(input => ({ StatusCode: 200, Payload: Buffer.from(JSON.stringify(enriched(input.Payload))) }));

    const summary = await replayDeadLetters(replayOptions(pipeDelivery(PIPE, { sqs, lambda })));

    expect(summary.replayed).toBe(1);
    const invocations = lambdaMock.commandCalls(InvokeCommand).map(c => c.args[0].input);
    expect(invocations.map(i => i.FunctionName)).toEqual([FUNCTION_ARN, FUNCTION_ARN]);
    expect(invocations.map(i => JSON.parse(Buffer.from(i.Payload as Uint8Array).toString('utf8')).length)).toEqual([2, 1]);
    const sends = sqsMock.commandCalls(SendMessageBatchCommand).map(c => c.args[0].input);
    expect(sends.map(s => s.QueueUrl)).toEqual([TARGET_URL, TARGET_URL]);
    expect(sends.flatMap(s => s.Entries!.map(e => JSON.parse(e.MessageBody!)))).toEqual([
      { order: { S: 'ord-20250312-0001' }, batch: 'enriched' },
      expect.objectContaining({ batch: 'enriched' }),
      expect.objectContaining({ batch: 'enriched' }),
    ]);
    // the raw stream record never reaches the target
    expect(JSON.stringify(sends)).not.toContain('NewImage');
  });

  test('a failing target keeps the message and names the target stage', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    sqsMock.on(GetQueueUrlCommand).resolves({ QueueUrl: TARGET_URL });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'KMS.AccessDeniedException', Message: 'denied', SenderFault: true }] });
    lambdaMock.on(InvokeCommand).callsFake(input => ({ StatusCode: 200, Payload: Buffer.from(JSON.stringify(enriched(input.Payload))) }));

    const summary = await replayDeadLetters(replayOptions(pipeDelivery(PIPE, { sqs, lambda })));

    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(summary.kept[0].reason).toMatch(/^the target stage failed: SendMessageBatch to arn:aws:sqs:eu-west-1:123456789012:orders-reminders failed for 1 of 2 messages: KMS.AccessDeniedException: denied/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('fileDelivery (--out)', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'replay-test-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  test('writes the records that pass the filter in the shape Pipes hands the enrichment, and keeps the message', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    const path = join(dir, 'records.json');

    const summary = await replayDeadLetters(replayOptions(await fileDelivery(path)));

    expect(summary).toMatchObject({ written: 1, replayed: 0, recordsDelivered: 3, kept: [], keptVisibleAgain: true });
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0].args[0].input).toMatchObject({ ReceiptHandle: 'rh-m-1', VisibilityTimeout: 0 });
    const wire = JSON.parse(await fixtureText('get-records-page-1.json')).Records[0];
    const written = JSON.parse(await readFile(path, 'utf8'));
    expect(written).toHaveLength(3);
    expect(written[0]).toEqual({ ...wire, eventSourceARN: STREAM_ARN });
  });

  test('writes what an incomplete range still holds, and reports the message as kept', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', withBatchInfo(pipesBody, { batchSize: 9 }))] }).resolves({});
    const path = join(dir, 'records.json');
    const summary = await replayDeadLetters(replayOptions(await fileDelivery(path)));
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveLength(3);
    expect(summary.kept[0].reason).toMatch(/^written, but not every record of the range could be read: read 5 record/);
  });

  test('refuses to overwrite an existing file (it may hold records recovered earlier)', async () => {
    const path = join(dir, 'records.json');
    await writeFile(path, '[]');
    await expect(fileDelivery(path)).rejects.toThrow(`${path} already exists; choose another --out path or move the file away (it may hold records recovered earlier)`);
  });
});

// ---------------------------------------------------------------------------------------------
describe('CLI', () => {
  test('parseArgs: --pipe-name alone delivers through the pipe, 100 messages, 10 s long polls', () => {
    expect(parseArgs(['--pipe-name', PIPE.name])).toEqual({ help: false, pipeName: PIPE.name, maxMessages: 100, waitSeconds: 10 });
  });

  test('parseArgs: accepts --flag=value, a dead-letter queue override, --out, --max-messages, --wait-seconds and --region', () => {
    expect(parseArgs([`--pipe-name=${PIPE.name}`, '--dead-letter-queue-url', DLQ_URL, '--out=r.json', '--max-messages', '25', '--wait-seconds', '0', '--region=eu-west-3']))
      .toEqual({ help: false, pipeName: PIPE.name, deadLetterQueueUrl: DLQ_URL, out: 'r.json', maxMessages: 25, waitSeconds: 0, region: 'eu-west-3' });
    expect(parseArgs(['--pipe-name', PIPE.name, '--region', 'us-gov-west-1'])).toMatchObject({ region: 'us-gov-west-1' });
  });

  test('parseArgs: --help wins over everything else', () => {
    expect(parseArgs(['--help'])).toEqual({ help: true });
    expect(parseArgs(['--pipe-name', 'x', '-h'])).toEqual({ help: true });
  });

  const pipe = ['--pipe-name', PIPE.name];
  test.each([
    ['no pipe name', [], '--pipe-name is required'],
    ['a flag without its value at the end', ['--pipe-name'], '--pipe-name needs a value'],
    ['a flag followed by another flag instead of a value', ['--pipe-name', '--out'], '--pipe-name needs a value'],
    ['a pipe name the Pipes API cannot hold', ['--pipe-name', 'my pipe'], '--pipe-name must be 1 to 64 characters of A-Z, a-z, 0-9, \'.\', \'-\' and \'_\', got my pipe'],
    ['a pipe name over 64 characters', ['--pipe-name', 'p'.repeat(65)], '--pipe-name must be 1 to 64 characters'],
    ['a queue name instead of a URL', [...pipe, '--dead-letter-queue-url', 'OrdersDLQ'], '--dead-letter-queue-url must be a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), got OrdersDLQ'],
    ['--max-messages 0', [...pipe, '--max-messages', '0'], '--max-messages must be an integer from 1 to 1000000, got 0'],
    ['a non-numeric --max-messages', [...pipe, '--max-messages', 'ten'], '--max-messages must be an integer from 1 to 1000000, got ten'],
    ['--wait-seconds above the SQS maximum', [...pipe, '--wait-seconds', '21'], '--wait-seconds must be an integer from 0 to 20, got 21'],
    ['the removed --to-queue-url', [...pipe, '--to-queue-url', DLQ_URL], '--to-queue-url is no longer supported: records now go through the pipe\'s enrichment to its own target queue; use --out <file> to write them instead'],
    ['the removed --event-names', [...pipe, '--event-names', 'INSERT'], '--event-names is no longer supported: the pipe\'s own filter now selects the records'],
    ['the removed --keep', [...pipe, '--keep'], '--keep is no longer supported'],
    ['the removed --delete', [...pipe, '--delete'], '--delete is no longer supported: a message is now deleted exactly when every record of its range was delivered'],
    ['a region name instead of its code', [...pipe, '--region', 'Ireland'], '--region must be a region code such as eu-west-1, got Ireland'],
    ['a value given to --help', ['--help=yes'], '--help takes no value'],
    ['an empty --flag=value', ['--pipe-name='], '--pipe-name needs a value'],
    ['an unknown option', [...pipe, '--dry-run'], "unknown option --dry-run for 'replay' (options: --pipe-name, --dead-letter-queue-url, --out, --max-messages, --wait-seconds, --region, --help)"],
    ['a stray positional argument', [...pipe, 'records.json'], 'unexpected argument records.json'],
    ['a repeated option', [...pipe, '--out', 'a.json', '--out', 'b.json'], '--out given more than once'],
  ])('parseArgs rejects %s with a clear message', (_label, argv, message) => {
    expect(() => parseArgs(argv as string[])).toThrow(message);
  });

  test('--help documents every option, the IAM permissions, AWS_REGION and every exit status', () => {
    for (const option of ['--pipe-name', '--dead-letter-queue-url', '--out', '--max-messages', '--wait-seconds', '--help']) {
      expect(USAGE).toContain(`  ${option}`);
    }
    for (const permission of ['pipes:DescribePipe', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'dynamodb:GetShardIterator',
      'dynamodb:GetRecords', 'lambda:InvokeFunction', 'sqs:SendMessage', 'kms:Decrypt', 'kms:GenerateDataKey']) {
      expect(USAGE).toContain(permission);
    }
    for (const source of ['--region', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE']) expect(USAGE).toContain(source);
    for (const code of Object.values(EXIT)) expect(USAGE).toMatch(new RegExp(`^  ${code}  `, 'm'));
  });

  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env: { AWS_REGION: 'eu-west-1' } } };
  };

  test('main --help prints the usage and exits 0; a usage error exits 2 with the reason', async () => {
    const { out, err, io: cli } = io();
    expect(await main(['--help'], cli)).toBe(EXIT.OK);
    expect(out.join('\n')).toBe(USAGE);
    expect(await main(['--out', 'x.json'], cli)).toBe(EXIT.USAGE);
    expect(err.join('\n')).toMatch(/^error: --pipe-name is required/);
  });

  describe('the region, taken as the AWS CLI takes it', () => {
    let dir: string;
    const saved = { ...process.env };
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'replay-region-'));
      await writeFile(join(dir, 'config'), '[default]\nregion = sa-east-1\n\n[profile dev]\nregion = ap-southeast-2\n');
      await writeFile(join(dir, 'empty-config'), '');
    });
    afterAll(async () => { await rm(dir, { recursive: true, force: true }); });
    beforeEach(() => {
      // The SDK reads the shared config file named by AWS_CONFIG_FILE, and AWS_REGION, from this process.
      for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) delete process.env[name];
      process.env.AWS_CONFIG_FILE = join(dir, 'config');
    });
    afterEach(() => {
      for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_CONFIG_FILE']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });

    test('--region wins over every variable and the profile', async () => {
      expect(await resolveRegion('eu-west-3', { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2', AWS_PROFILE: 'dev' })).toBe('eu-west-3');
    });
    test('AWS_REGION wins over AWS_DEFAULT_REGION and the profile', async () => {
      expect(await resolveRegion(undefined, { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2', AWS_PROFILE: 'dev' })).toBe('eu-west-1');
    });
    test('AWS_DEFAULT_REGION when AWS_REGION is not set, over the profile', async () => {
      expect(await resolveRegion(undefined, { AWS_DEFAULT_REGION: 'eu-west-2', AWS_PROFILE: 'dev' })).toBe('eu-west-2');
    });
    test('the region of the AWS_PROFILE profile in the config file, through the SDK', async () => {
      expect(await resolveRegion(undefined, { AWS_PROFILE: 'dev' })).toBe('ap-southeast-2');
    });
    test('the default profile\'s region when no profile is named', async () => {
      expect(await resolveRegion(undefined, {})).toBe('sa-east-1');
    });

    test('main sends DescribePipe to the region --region names', async () => {
      const regions: string[] = [];
      pipesMock.on(DescribePipeCommand).callsFake(async (_input, getClient) => {
        regions.push(await getClient().config.region());
        return described();
      });
      sqsMock.on(ReceiveMessageCommand).resolves({});
      const { io: cli } = io();
      expect(await main(['--pipe-name', PIPE.name, '--region', 'ap-northeast-1', '--dead-letter-queue-url', DLQ_URL, '--wait-seconds', '0'], { ...cli, env: { AWS_REGION: 'eu-west-1' } })).toBe(EXIT.OK);
      expect(regions).toEqual(['ap-northeast-1']);
    });

    test('main exits 2 when no region is set anywhere, before calling anything', async () => {
      process.env.AWS_CONFIG_FILE = join(dir, 'empty-config');
      const { err, io: cli } = io();
      expect(await main(['--pipe-name', PIPE.name], { ...cli, env: {} })).toBe(EXIT.USAGE);
      expect(err).toEqual(['error: no region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION, or a region in your AWS profile (for example --region eu-west-1)']);
      expect(pipesMock.calls()).toHaveLength(0);
    });
  });

  const described = (): DescribePipeResponse => describePipeResponse(PIPE, { created: new Date(0), modified: new Date(0) });

  test('main reads the pipe and its dead-letter queue with DescribePipe and GetQueueUrl, then replays', async () => {
    pipesMock.on(DescribePipeCommand, { Name: PIPE.name }).resolves(described());
    sqsMock.on(GetQueueUrlCommand, { QueueName: 'OrdersStreamToQueue-PipeDeadLetterQueue', QueueOwnerAWSAccountId: '123456789012' }).resolves({ QueueUrl: DLQ_URL });
    sqsMock.on(ReceiveMessageCommand, { QueueUrl: DLQ_URL }).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    mockStream();
    const dir = await mkdtemp(join(tmpdir(), 'replay-cli-'));
    try {
      const { out, io: cli } = io();
      const code = await main(['--pipe-name', PIPE.name, '--out', join(dir, 'records.json'), '--wait-seconds', '0'], cli);
      expect(code).toBe(EXIT.OK);
      // --out deletes nothing: the summary says every message stays, not "kept 0" after "message kept".
      expect(out.join('\n')).toMatch(/^Received 1 dead-letter message\(s\); wrote 1 range\(s\), 3 record\(s\) to .*records\.json; 2 record\(s\) left out by the filter; all 1 message\(s\) left on the queue \(--out deletes nothing\), 0 of them incomplete or failed\.$/);
      expect(JSON.parse(await readFile(join(dir, 'records.json'), 'utf8'))).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('main exits 3 for a pipe it cannot execute, naming why', async () => {
    pipesMock.on(DescribePipeCommand).resolves({ ...described(), Source: 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders' });
    const { err, io: cli } = io();
    expect(await main(['--pipe-name', PIPE.name], cli)).toBe(EXIT.PIPE);
    expect(err.join('\n')).toMatch(/^error: Pipe OrdersStreamToQueuePipe: Source "arn:aws:kinesis:eu-west-1:123456789012:stream\/orders" is not a DynamoDB stream ARN/);
  });

  test('main exits 3 for a pipe without a dead-letter queue unless one is given', async () => {
    const response = described();
    delete response.SourceParameters!.DynamoDBStreamParameters!.DeadLetterConfig;
    pipesMock.on(DescribePipeCommand).resolves(response);
    const { err, io: cli } = io();
    expect(await main(['--pipe-name', PIPE.name], cli)).toBe(EXIT.PIPE);
    expect(err).toEqual(['error: Pipe OrdersStreamToQueuePipe has no dead-letter queue (SourceParameters.DynamoDBStreamParameters.DeadLetterConfig); pass --dead-letter-queue-url']);
  });

  test('main exits 1 and lists the messages that stay on the dead-letter queue', async () => {
    pipesMock.on(DescribePipeCommand).resolves(described());
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-junk', '[]')] }).resolves({});
    const { err, io: cli } = io();
    const code = await main(['--pipe-name', PIPE.name, '--dead-letter-queue-url', DLQ_URL, '--wait-seconds', '0'], cli);
    expect(code).toBe(EXIT.KEPT);
    expect(err.join('\n')).toMatch(/1 message\(s\) stay on the dead-letter queue:\n {2}m-junk: Dead-letter message body is not a JSON object/);
  });
});
