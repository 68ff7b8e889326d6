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
import {
  DeleteMessageCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { main, parseArgs, regionFromQueueUrl, USAGE } from '../tools/replay/cli';
import {
  ALL_EVENT_NAMES,
  createFileDeliverer,
  createQueueDeliverer,
  DeadLetterBatchInfo,
  DeadLetterMessageError,
  Deliver,
  IncompleteBatchError,
  parseDeadLetterMessage,
  PipeStreamRecord,
  readBatch,
  RecordsExpiredError,
  replayDeadLetters,
  toPipeRecord,
} from '../tools/replay/replay';

// ---------------------------------------------------------------------------------------------
// Fixtures: dead-letter bodies as the pipe / Lambda send them, and GetRecords responses in the
// service's wire JSON (epoch-second timestamps, base64 binary), converted here into what the SDK
// client hands back (Date, Uint8Array) so the mocks return exactly what a real client would.
// ---------------------------------------------------------------------------------------------

const FIXTURES = join(__dirname, 'fixtures', 'replay');
const fixtureText = async (name: string) => readFile(join(FIXTURES, name), 'utf8');

const STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Orders/stream/2025-03-10T08:15:02.117';
const SHARD_ID = 'shardId-00000001741594502117-6f3c9a2e';
const START_ITERATOR = `${STREAM_ARN}|1|AAAAAAAAAAFstartIteratorAtSequence9999999999999999999987==`;
const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/OrdersStreamToQueue-PipeDeadLetterQueue';
const TARGET_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-replayed';

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
describe('readBatch', () => {
  test('starts AT_SEQUENCE_NUMBER, follows the iterators across pages and stops at the end sequence number (BigInt order across digit counts)', async () => {
    mockStream();
    const records = await readBatch(streams, batchInfo, noWait);

    expect(streamsMock.commandCalls(GetShardIteratorCommand)[0].args[0].input).toEqual({
      StreamArn: STREAM_ARN,
      ShardId: SHARD_ID,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: '9999999999999999999987',
    });
    expect(records.map(r => r.dynamodb?.SequenceNumber)).toEqual([
      '9999999999999999999987',
      '9999999999999999999993',
      '10000000000000000000006',
      '10000000000000000000012',
      '10000000000000000000019',
    ]);
    // the record after the end (…025, same page) is not part of the batch, and no fourth page is requested
    expect(streamsMock.commandCalls(GetRecordsCommand)).toHaveLength(3);
  });

  test('stops at a record past the end even when the end record itself is absent', async () => {
    mockStream();
    const info = { ...batchInfo, endSequenceNumber: '10000000000000000000020' };
    const records = await readBatch(streams, info, noWait);
    expect(records.map(r => r.dynamodb?.SequenceNumber).pop()).toBe('10000000000000000000019');
    expect(streamsMock.commandCalls(GetRecordsCommand)).toHaveLength(3);
  });

  test('returns what it read when the shard is closed (no NextShardIterator) before the end', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand, { ShardIterator: START_ITERATOR }).resolves(page1);
    streamsMock.on(GetRecordsCommand, { ShardIterator: page1.NextShardIterator }).resolves({ ...page2, NextShardIterator: undefined });

    const records = await readBatch(streams, batchInfo, noWait);
    expect(records).toHaveLength(4);
    expect(streamsMock.commandCalls(GetRecordsCommand)).toHaveLength(2);
  });

  test('skips empty pages, then gives up with IncompleteBatchError after the bounded number of them', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand).resolves({ Records: [], NextShardIterator: START_ITERATOR });

    await expect(readBatch(streams, batchInfo, { ...noWait, maxEmptyPages: 4 }))
      .rejects.toThrow(IncompleteBatchError);
    expect(streamsMock.commandCalls(GetRecordsCommand)).toHaveLength(4);
  });

  test('an empty page in the middle does not end the read', async () => {
    const empty = { $metadata: {}, Records: [], NextShardIterator: 'it-empty' };
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand, { ShardIterator: START_ITERATOR }).resolves({ ...page1, NextShardIterator: 'it-empty-first' });
    streamsMock.on(GetRecordsCommand, { ShardIterator: 'it-empty-first' }).resolves({ ...empty, NextShardIterator: page1.NextShardIterator });
    streamsMock.on(GetRecordsCommand, { ShardIterator: page1.NextShardIterator }).resolves(page2);
    streamsMock.on(GetRecordsCommand, { ShardIterator: page2.NextShardIterator }).resolves(page3);

    expect(await readBatch(streams, batchInfo, noWait)).toHaveLength(5);
  });

  test('a closed shard holding none of the batch is an error, not an empty success', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand).resolves({ Records: [] });
    await expect(readBatch(streams, batchInfo, noWait)).rejects.toThrow(/No record between sequence numbers .* found in closed shard/);
  });

  test('TrimmedDataAccessException from GetShardIterator becomes "records have expired from the stream"', async () => {
    streamsMock.on(GetShardIteratorCommand).rejects(new TrimmedDataAccessException({ message: 'Attempted to access data beyond the trim horizon', $metadata: {} }));
    const attempt = readBatch(streams, batchInfo, noWait);
    await expect(attempt).rejects.toThrow(RecordsExpiredError);
    await expect(readBatch(streams, batchInfo, noWait)).rejects.toThrow(/records of this batch have expired from the stream.*24 hour/);
  });

  test('TrimmedDataAccessException from GetRecords is reported the same way', async () => {
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: START_ITERATOR });
    streamsMock.on(GetRecordsCommand).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    await expect(readBatch(streams, batchInfo, noWait)).rejects.toThrow(RecordsExpiredError);
  });

  test('a vanished stream (ResourceNotFoundException) gets a clear message', async () => {
    streamsMock.on(GetShardIteratorCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));
    await expect(readBatch(streams, batchInfo, noWait)).rejects.toThrow(/stream or shard no longer exists/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('toPipeRecord', () => {
  test('turns an SDK stream record back into the pipe JSON: epoch seconds, base64 binary, eventSourceARN', async () => {
    const wire = JSON.parse(await fixtureText('get-records-page-1.json')).Records[0];
    const json = JSON.parse(JSON.stringify(toPipeRecord(page1.Records![0], STREAM_ARN)));
    expect(json).toEqual({ ...wire, eventSourceARN: STREAM_ARN });
    expect(json.dynamodb.ApproximateCreationDateTime).toBe(1741772411);
    expect(json.dynamodb.NewImage.receiptDigest).toEqual({ B: 'q83vEjRWeJA=' });
    expect(Object.keys(json)).toEqual(['eventID', 'eventName', 'eventVersion', 'eventSource', 'awsRegion', 'dynamodb', 'eventSourceARN']);
  });

  test('keeps the TTL-delete userIdentity in the lower-case form Lambda and Pipes use', () => {
    const ttlDelete = toPipeRecord(page2.Records![1], STREAM_ARN);
    expect(ttlDelete.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
  });
});

// ---------------------------------------------------------------------------------------------
describe('replayDeadLetters', () => {
  function recordingDeliver(calls: string[], delivered: PipeStreamRecord[][] = []): Deliver {
    return async (records, source) => {
      calls.push(`deliver:${source.messageId}`);
      delivered.push(records);
    };
  }

  function trackDeletes(calls: string[]) {
    sqsMock.on(DeleteMessageCommand).callsFake(input => {
      calls.push(`delete:${input.ReceiptHandle}`);
      return {};
    });
  }

  test('deletes a dead-letter message only after its records were delivered', async () => {
    mockStream();
    const calls: string[] = [];
    const delivered: PipeStreamRecord[][] = [];
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    trackDeletes(calls);

    const summary = await replayDeadLetters({
      sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: recordingDeliver(calls, delivered), readOptions: noWait,
    });

    expect(calls).toEqual(['deliver:m-1', 'delete:rh-m-1']);
    expect(summary).toEqual({ received: 1, messages: 1, records: 3, skippedRecords: 2, deleted: 1, failed: [] });
    expect(delivered[0].map(r => r.dynamodb.SequenceNumber)).toEqual(['9999999999999999999987', '10000000000000000000006', '10000000000000000000019']);
    expect(sqsMock.commandCalls(DeleteMessageCommand)[0].args[0].input).toEqual({ QueueUrl: DLQ_URL, ReceiptHandle: 'rh-m-1' });
  });

  test('long-polls the dead-letter queue for up to 10 messages and hides them while working', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({});
    await replayDeadLetters({ sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: async () => undefined });
    expect(sqsMock.commandCalls(ReceiveMessageCommand)[0].args[0].input).toEqual({
      QueueUrl: DLQ_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 10, VisibilityTimeout: 300,
    });
  });

  test('a failed delivery leaves the message on the queue, is reported, and the next message is still replayed', async () => {
    mockStream();
    const calls: string[] = [];
    sqsMock.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [dlqMessage('m-bad', pipesBody), dlqMessage('m-good', lambdaBody)] })
      .resolves({});
    trackDeletes(calls);
    const deliver: Deliver = async (_records, source) => {
      calls.push(`deliver:${source.messageId}`);
      if (source.messageId === 'm-bad') throw new Error('target queue unreachable');
    };

    const summary = await replayDeadLetters({ sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver, readOptions: noWait });

    expect(calls).toEqual(['deliver:m-bad', 'deliver:m-good', 'delete:rh-m-good']);
    expect(summary.failed).toEqual([{ messageId: 'm-bad', error: 'target queue unreachable' }]);
    expect(summary.messages).toBe(1);
    expect(summary.deleted).toBe(1);
  });

  test('an unparseable message is reported and kept, and never reaches the stream or the deliverer', async () => {
    const calls: string[] = [];
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-junk', '{"hello":"world"}')] }).resolves({});
    trackDeletes(calls);

    const summary = await replayDeadLetters({ sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: recordingDeliver(calls) });

    expect(calls).toEqual([]);
    expect(streamsMock.calls()).toHaveLength(0);
    expect(summary.failed).toEqual([{ messageId: 'm-junk', error: expect.stringMatching(/no "DDBStreamBatchInfo"/) }]);
  });

  test('expired records are reported with the expiry reason and the message is kept', async () => {
    streamsMock.on(GetShardIteratorCommand).rejects(new TrimmedDataAccessException({ message: 'trimmed', $metadata: {} }));
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-old', pipesBody)] }).resolves({});

    const summary = await replayDeadLetters({ sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: async () => undefined, readOptions: noWait });

    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(summary.failed[0].error).toMatch(/expired from the stream/);
  });

  test('deleteAfterReplay: false delivers but keeps the dead-letter message', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    const summary = await replayDeadLetters({
      sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: async () => undefined, deleteAfterReplay: false, readOptions: noWait,
    });
    expect(summary.records).toBe(3);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  test('a delete that fails after delivery is reported as a future duplicate', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    sqsMock.on(DeleteMessageCommand).rejects(new Error('ReceiptHandle is invalid'));
    const summary = await replayDeadLetters({ sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: async () => undefined, readOptions: noWait });
    expect(summary.messages).toBe(1);
    expect(summary.failed[0].error).toMatch(/delivered but the dead-letter message could not be deleted.*deliver them again/);
  });

  test.each([
    ['the default (INSERT, like the construct filter)', undefined, ['INSERT', 'INSERT', 'INSERT']],
    ['custom names (MODIFY, REMOVE)', ['MODIFY', 'REMOVE'], ['MODIFY', 'REMOVE']],
    ['all event names', ALL_EVENT_NAMES, ['INSERT', 'MODIFY', 'INSERT', 'REMOVE', 'INSERT']],
  ])('eventNames filter: %s delivers only matching records, in stream order', async (_label, eventNames, expected) => {
    mockStream();
    const delivered: PipeStreamRecord[][] = [];
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    sqsMock.on(DeleteMessageCommand).resolves({});

    const summary = await replayDeadLetters({
      sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: recordingDeliver([], delivered), eventNames, readOptions: noWait,
    });

    expect(delivered[0].map(r => r.eventName)).toEqual(expected);
    expect(summary.records + summary.skippedRecords).toBe(5);
  });

  test('a batch entirely filtered out is not delivered but still counts as handled and is deleted', async () => {
    mockStream();
    const calls: string[] = [];
    // a batch holding only the MODIFY record, which the default INSERT filter leaves out
    const modifyOnly = withBatchInfo(pipesBody, { startSequenceNumber: '9999999999999999999993', endSequenceNumber: '9999999999999999999993', batchSize: 1 });
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', modifyOnly)] }).resolves({});
    trackDeletes(calls);
    const summary = await replayDeadLetters({ sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: recordingDeliver(calls), readOptions: noWait });
    expect(calls).toEqual(['delete:rh-m-1']);
    expect(summary).toMatchObject({ messages: 1, records: 0, skippedRecords: 1 });
  });

  test('stops at maxMessages, asking only for what is left', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [dlqMessage('m-1', pipesBody), dlqMessage('m-2', pipesBody)] });
    sqsMock.on(DeleteMessageCommand).resolves({});

    const summary = await replayDeadLetters({
      sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: async () => undefined, maxMessages: 2, readOptions: noWait,
    });

    expect(summary.received).toBe(2);
    const receives = sqsMock.commandCalls(ReceiveMessageCommand);
    expect(receives).toHaveLength(1);
    expect(receives[0].args[0].input.MaxNumberOfMessages).toBe(2);
  });

  test('a failing message that becomes visible again in the same run is not retried in a loop', async () => {
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [dlqMessage('m-junk', 'not json')] });
    const summary = await replayDeadLetters({ sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: async () => undefined });
    expect(summary.received).toBe(1);
    expect(summary.failed).toHaveLength(1);
    expect(sqsMock.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
describe('createQueueDeliverer', () => {
  const source = () => ({ messageId: 'm-1', batch: batchInfo });
  const twelveRecords = () => Array.from({ length: 12 }, (_, i) => ({
    ...toPipeRecord(page1.Records![0], STREAM_ARN),
    eventID: `event-${i}`,
  }));

  test('sends one message per record, body = the pipe JSON, in SendMessageBatch chunks of at most 10', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const records = twelveRecords();
    await createQueueDeliverer(sqs, TARGET_URL)(records, source());

    const batches = sqsMock.commandCalls(SendMessageBatchCommand).map(c => c.args[0].input);
    expect(batches.map(b => b.Entries!.length)).toEqual([10, 2]);
    expect(batches[0].QueueUrl).toBe(TARGET_URL);
    expect(JSON.parse(batches[0].Entries![0].MessageBody!)).toEqual(JSON.parse(JSON.stringify(records[0])));
    expect(batches[0].Entries![0].MessageGroupId).toBeUndefined();
  });

  test('retries only the entries SendMessageBatch reported as Failed, until they succeed', async () => {
    sqsMock.on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: 'r1', Code: 'InternalError', SenderFault: false }, { Id: 'r3', Code: 'ServiceUnavailable', SenderFault: false }] })
      .resolvesOnce({ Successful: [], Failed: [{ Id: 'r3', Code: 'ServiceUnavailable', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    const sleeps: number[] = [];
    const deliver = createQueueDeliverer(sqs, TARGET_URL, { sleep: async ms => { sleeps.push(ms); } });

    await deliver(twelveRecords().slice(0, 4), source());

    const ids = sqsMock.commandCalls(SendMessageBatchCommand).map(c => c.args[0].input.Entries!.map((e: SendMessageBatchRequestEntry) => e.Id));
    expect(ids).toEqual([['r0', 'r1', 'r2', 'r3'], ['r1', 'r3'], ['r3']]);
    expect(sleeps).toEqual([200, 400]);
  });

  test('gives up after the bounded number of attempts and throws, so the dead-letter message is kept', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'r0', Code: 'InternalError', SenderFault: false }] });
    const deliver = createQueueDeliverer(sqs, TARGET_URL, { maxAttempts: 3, retryDelayMs: 0 });

    await expect(deliver(twelveRecords().slice(0, 1), source())).rejects.toThrow(/1 of 1 record\(s\) not sent.*r0: InternalError.*after 3 attempts/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  test('does not retry sender faults (e.g. a message too long) and reports them', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [], Failed: [{ Id: 'r1', Code: 'InvalidParameterValue', Message: 'Message must be shorter than 262144 bytes.', SenderFault: true }],
    });
    const deliver = createQueueDeliverer(sqs, TARGET_URL, { retryDelayMs: 0 });
    await expect(deliver(twelveRecords().slice(0, 2), source())).rejects.toThrow(/r1: InvalidParameterValue .*sender fault, not retried/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  test('a FIFO target gets the shard as message group and the stream eventID as deduplication id', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await createQueueDeliverer(sqs, `${TARGET_URL}.fifo`)(twelveRecords().slice(0, 1), source());
    const entry = sqsMock.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries![0];
    expect(entry).toMatchObject({ MessageGroupId: SHARD_ID, MessageDeduplicationId: 'event-0' });
  });

  test('replaying through the queue deliverer leaves the dead-letter message when a send keeps failing', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'r2', Code: 'InternalError', SenderFault: false }] });
    const summary = await replayDeadLetters({
      sqs, streams, deadLetterQueueUrl: DLQ_URL, deliver: createQueueDeliverer(sqs, TARGET_URL, { retryDelayMs: 0 }), readOptions: noWait,
    });
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(summary.failed).toEqual([{ messageId: 'm-1', error: expect.stringMatching(/not sent to/) }]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('createFileDeliverer', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'replay-test-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  test('accumulates every delivery into one JSON array, written before deliver resolves', async () => {
    const path = join(dir, 'records.json');
    const file = await createFileDeliverer(path);
    const [a, b] = [toPipeRecord(page1.Records![0], STREAM_ARN), toPipeRecord(page2.Records![0], STREAM_ARN)];
    await file.deliver([a], { messageId: 'm-1', batch: batchInfo });
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveLength(1);
    await file.deliver([b], { messageId: 'm-2', batch: batchInfo });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(JSON.parse(JSON.stringify([a, b])));
    expect(file.written()).toBe(2);
  });

  test('refuses to overwrite an existing file (it may hold records recovered earlier)', async () => {
    const path = join(dir, 'records.json');
    await writeFile(path, '[]');
    await expect(createFileDeliverer(path)).rejects.toThrow(/already exists/);
  });
});

// ---------------------------------------------------------------------------------------------
describe('CLI', () => {
  test('parseArgs: defaults to writing records.json, INSERT only, 100 messages, keeping the dead-letter messages', () => {
    expect(parseArgs(['--dead-letter-queue-url', DLQ_URL])).toEqual({
      help: false,
      deadLetterQueueUrl: DLQ_URL,
      out: 'records.json',
      maxMessages: 100,
      deleteAfterReplay: false,
      eventNames: ['INSERT'],
      region: undefined,
    });
  });

  test('parseArgs: --delete makes file mode delete after writing; --to-queue-url deletes by default and --keep keeps', () => {
    expect(parseArgs(['--dead-letter-queue-url', DLQ_URL, '--out', 'x.json', '--delete'])).toMatchObject({ out: 'x.json', deleteAfterReplay: true });
    const queueMode = parseArgs(['--dead-letter-queue-url', DLQ_URL, '--to-queue-url', TARGET_URL]);
    expect(queueMode).toMatchObject({ toQueueUrl: TARGET_URL, deleteAfterReplay: true });
    expect(queueMode).not.toHaveProperty('out');
    expect(parseArgs(['--dead-letter-queue-url', DLQ_URL, '--to-queue-url', TARGET_URL, '--keep'])).toMatchObject({ deleteAfterReplay: false });
  });

  test('parseArgs: accepts --flag=value, --max-messages, --region, --all-events and --event-names', () => {
    expect(parseArgs([`--dead-letter-queue-url=${DLQ_URL}`, '--max-messages=25', '--region', 'eu-west-1', '--all-events']))
      .toMatchObject({ deadLetterQueueUrl: DLQ_URL, maxMessages: 25, region: 'eu-west-1', eventNames: ['INSERT', 'MODIFY', 'REMOVE'] });
    expect(parseArgs(['--dead-letter-queue-url', DLQ_URL, '--event-names', 'insert, MODIFY'])).toMatchObject({ eventNames: ['INSERT', 'MODIFY'] });
  });

  test('parseArgs: --help wins over everything else', () => {
    expect(parseArgs(['--help'])).toEqual({ help: true });
    expect(parseArgs(['--dead-letter-queue-url', DLQ_URL, '-h'])).toEqual({ help: true });
  });

  const dlq = ['--dead-letter-queue-url', DLQ_URL];
  test.each([
    ['no dead-letter queue', [], '--dead-letter-queue-url is required'],
    ['a flag without its value at the end', ['--dead-letter-queue-url'], '--dead-letter-queue-url needs a value'],
    ['a flag followed by another flag instead of a value', ['--dead-letter-queue-url', '--delete'], '--dead-letter-queue-url needs a value'],
    ['both --out and --to-queue-url', [...dlq, '--out', 'a.json', '--to-queue-url', TARGET_URL], 'use either --out or --to-queue-url, not both'],
    ['the dead-letter queue as target', [...dlq, '--to-queue-url', DLQ_URL], 'must not be the dead-letter queue itself'],
    ['a queue name instead of a URL', ['--dead-letter-queue-url', 'OrdersDLQ'], '--dead-letter-queue-url must be a queue URL'],
    ['--max-messages 0', [...dlq, '--max-messages', '0'], '--max-messages must be a positive integer, got 0'],
    ['a non-numeric --max-messages', [...dlq, '--max-messages', 'ten'], '--max-messages must be a positive integer, got ten'],
    ['--delete with --keep', [...dlq, '--delete', '--keep'], 'use either --delete or --keep, not both'],
    ['--all-events with --event-names', [...dlq, '--all-events', '--event-names', 'INSERT'], 'use either --event-names or --all-events, not both'],
    ['an unknown event name', [...dlq, '--event-names', 'INSERT,UPSERT'], '--event-names takes a comma-separated list of INSERT, MODIFY, REMOVE'],
    ['an unknown option', [...dlq, '--dry-run'], 'unknown option --dry-run'],
    ['a stray positional argument', [...dlq, 'records.json'], 'unexpected argument records.json'],
    ['a repeated option', [...dlq, '--region', 'eu-west-1', '--region', 'us-east-1'], '--region given more than once'],
  ])('parseArgs rejects %s with a clear message', (_label, argv, message) => {
    expect(() => parseArgs(argv as string[])).toThrow(message);
  });

  test('regionFromQueueUrl reads the region out of an SQS queue URL', () => {
    expect(regionFromQueueUrl(DLQ_URL)).toBe('eu-west-1');
    expect(regionFromQueueUrl('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q')).toBe('cn-north-1');
    expect(regionFromQueueUrl('http://localhost:4566/000000000000/q')).toBeUndefined();
  });

  test('main --help prints the usage and exits 0; a usage error exits 2 with the reason', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    expect(await main(['--help'], io)).toBe(0);
    expect(out.join('\n')).toBe(USAGE);
    expect(await main(['--out', 'x.json'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/^error: --dead-letter-queue-url is required/);
  });

  test('main in file mode writes the records file, keeps the dead-letter message, exits 0', async () => {
    mockStream();
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-1', pipesBody)] }).resolves({});
    const dir = await mkdtemp(join(tmpdir(), 'replay-cli-'));
    try {
      const path = join(dir, 'records.json');
      const out: string[] = [];
      const code = await main(['--dead-letter-queue-url', DLQ_URL, '--out', path], { stdout: t => out.push(t), stderr: () => undefined });
      expect(code).toBe(0);
      const written = JSON.parse(await readFile(path, 'utf8'));
      expect(written.map((r: PipeStreamRecord) => r.eventID)).toEqual([
        '0c5d3b5e8f1a4e3d9b7c2a61f4e8d901', 'b2f04c6a9e8d4b1c8a7f6e5d4c3b2a10', '3f2e1d0c9b8a47f6a5e4d3c2b1a09f8e',
      ]);
      expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
      expect(out.join('\n')).toMatch(/replayed 1, 3 record\(s\) to .*records\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('main exits 1 and lists the messages that stay on the dead-letter queue', async () => {
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: [dlqMessage('m-junk', '[]')] }).resolves({});
    const err: string[] = [];
    const code = await main(['--dead-letter-queue-url', DLQ_URL, '--to-queue-url', TARGET_URL], { stdout: () => undefined, stderr: t => err.push(t) });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/1 message\(s\) failed and stay on the dead-letter queue:\n {2}m-junk: Dead-letter message body is not a JSON object/);
  });
});
