/**
 * The replay CLI against real parts: DynamoDB Local (table and stream), the fauxqs SQS emulator, the
 * local Lambda Invoke service running the enrichment, and the local Pipes API answering DescribePipe.
 * Dead-letter messages are built from sequence numbers read from the real stream, in the Pipes shape.
 * Every client, the CLI's included, reaches them only through the SDK's AWS_ENDPOINT_URL_* variables.
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LambdaService, startLambdaService } from '../../tools/emulator/lambda/invoke-api';
import { startPipesApi } from '../../tools/emulator/pipes/describe-pipe-api';
import { LocalService } from '../../tools/emulator/support/service';
import { PipeDefinition } from '../../tools/pipe/definition';
import { EXIT, main } from '../../tools/replay/cli';
import { type LocalAws, startLocalAws } from '../support/local-aws';

jest.setTimeout(60_000);

const REGION = 'eu-west-1';
const ACCOUNT = '000000000000';
const PIPE_NAME = 'replay-local-pipe';
const FUNCTION_NAME = 'replay-enrich';
const BATCH_SIZE = 2;

let localAws: LocalAws | undefined;
let lambdaService: LambdaService | undefined;
let pipesApi: LocalService | undefined;

let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let sqs: SQSClient;
let streamArn: string;
let targetQueueUrl: string;
let deadLetterQueueUrl: string;
let pipe: PipeDefinition;

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: attributes.Attributes!.QueueArn! };
}

beforeAll(async () => {
  localAws = await startLocalAws(REGION);
  dynamodb = new DynamoDBClient({});
  streams = new DynamoDBStreamsClient({});
  sqs = new SQSClient({});

  const table = await dynamodb.send(new CreateTableCommand({
    TableName: 'ReplayBookings',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  streamArn = table.TableDescription!.LatestStreamArn!;
  const target = await queue('replay-target');
  const deadLetters = await queue('replay-source-dlq');
  targetQueueUrl = target.url;
  deadLetterQueueUrl = deadLetters.url;

  lambdaService = await startLambdaService({
    functions: [{
      logicalId: 'Enrichment',
      name: FUNCTION_NAME,
      arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}`,
      region: REGION,
      codeFile: path.join(__dirname, '..', 'fixtures', 'replay', 'enrichment', 'index.js'),
      handlerExport: 'handler',
      handler: 'index.handler',
      environment: {},
      timeoutSeconds: 10,
      memorySize: 128,
      runtime: 'nodejs22.x',
    }],
    log: () => undefined,
  });
  pipe = {
    name: PIPE_NAME,
    desiredState: 'RUNNING',
    source: {
      streamArn,
      startingPosition: 'LATEST',
      batchSize: BATCH_SIZE,
      maximumBatchingWindowSeconds: 0,
      maximumRetryAttempts: 2,
      maximumRecordAgeSeconds: 3600,
      parallelizationFactor: 1,
      deadLetterQueueArn: deadLetters.arn,
    },
    filterPatterns: ['{"eventName":["INSERT"]}'],
    enrichment: { arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_NAME}` },
    target: { queueArn: target.arn },
  };
  pipesApi = await startPipesApi([pipe]);
  localAws.setEnv('AWS_ENDPOINT_URL_LAMBDA', lambdaService.endpoint);
  localAws.setEnv('AWS_ENDPOINT_URL_PIPES', pipesApi.endpoint);
});

afterAll(async () => {
  for (const client of [dynamodb, streams, sqs]) client?.destroy();
  await Promise.all([pipesApi?.stop(), lambdaService?.stop()]);
  await localAws?.stop();
});

/** Every record in the table's stream so far, read with fresh iterators from TRIM_HORIZON. */
async function streamRecords(): Promise<_Record[]> {
  const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: _Record[] = [];
  for (const shard of stream.StreamDescription!.Shards!) {
    let iterator = (await streams.send(new GetShardIteratorCommand({
      StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON',
    }))).ShardIterator;
    for (let page = 0; iterator && page < 50; page++) {
      const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (!out.Records?.length) break;
      records.push(...out.Records.map(r => ({ ...r, shardId: shard.ShardId })) as _Record[]);
      iterator = out.NextShardIterator;
    }
  }
  return records;
}

/** The stream records of the given keys, in stream order. */
async function recordsOf(ids: string[]): Promise<Array<_Record & { shardId: string }>> {
  const all = await streamRecords() as Array<_Record & { shardId: string }>;
  return all.filter(r => ids.includes(r.dynamodb!.Keys!.id.S!));
}

/** A dead-letter message in the Pipes shape for the range first..last, as the pipe would send it. */
function deadLetterBody(first: _Record & { shardId: string }, last: _Record, batchSize: number): string {
  return JSON.stringify({
    context: { partnerResourceArn: `arn:aws:pipes:${REGION}:${ACCOUNT}:pipe/${PIPE_NAME}`, condition: 'RetryAttemptsExhausted' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: first.shardId,
      startSequenceNumber: first.dynamodb!.SequenceNumber,
      endSequenceNumber: last.dynamodb!.SequenceNumber,
      approximateArrivalOfFirstRecord: first.dynamodb!.ApproximateCreationDateTime!.toISOString(),
      approximateArrivalOfLastRecord: last.dynamodb!.ApproximateCreationDateTime!.toISOString(),
      batchSize,
      streamArn,
    },
  });
}

async function put(id: string, attributes: Record<string, { S: string } | { BOOL: boolean }> = {}): Promise<void> {
  await dynamodb.send(new PutItemCommand({ TableName: 'ReplayBookings', Item: { id: { S: id }, name: { S: `patient ${id}` }, ...attributes } }));
}

async function receiveAll(queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (let i = 0; i < 20; i++) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }));
    if (!out.Messages?.length) break;
    messages.push(...out.Messages);
  }
  return messages;
}

/** Visible plus in-flight messages: a kept message is in flight until the replay's visibility timeout ends. */
async function messagesOn(queueUrl: string): Promise<number> {
  const out = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
  }));
  return Number(out.Attributes!.ApproximateNumberOfMessages) + Number(out.Attributes!.ApproximateNumberOfMessagesNotVisible);
}

async function replay(...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(['--pipe-name', PIPE_NAME, '--wait-seconds', '1', ...extra], { stdout: t => stdout.push(t), stderr: t => stderr.push(t) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

async function separateDeadLetterQueue(name: string, body: string): Promise<string> {
  const { url } = await queue(name);
  await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
  return url;
}

test('a dead-lettered range is re-driven through the filter, the enrichment and the target, and its message deleted', async () => {
  // given a range of four records: three INSERTs and a MODIFY, dead-lettered by the pipe
  await put('a');
  await put('b');
  await dynamodb.send(new UpdateItemCommand({
    TableName: 'ReplayBookings', Key: { id: { S: 'a' } }, UpdateExpression: 'SET #n = :n', ExpressionAttributeNames: { '#n': 'name' }, ExpressionAttributeValues: { ':n': { S: 'renamed' } },
  }));
  await put('c');
  const range = await recordsOf(['a', 'b', 'c']);
  expect(range.map(r => r.eventName)).toEqual(['INSERT', 'INSERT', 'MODIFY', 'INSERT']);
  await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: deadLetterBody(range[0], range[3], 4) }));

  // when the replay runs with only the pipe's name (the DLQ comes from DescribePipe)
  const result = await replay();

  // then the INSERTs arrive enriched, in batches of at most the pipe's batch size, and the MODIFY never reached the enrichment
  expect(result.code).toBe(EXIT.OK);
  const bodies = (await receiveAll(targetQueueUrl)).map(m => JSON.parse(m.Body!));
  expect(bodies.map(b => b.id).sort()).toEqual(['a', 'b', 'c']);
  expect(bodies.every(b => b.eventName === 'INSERT' && b.enrichedBy === FUNCTION_NAME)).toBe(true);
  expect(bodies.find(b => b.id === 'a')).toMatchObject({ name: 'PATIENT A', sequenceNumber: range[0].dynamodb!.SequenceNumber, batchLength: 2 });
  expect(bodies.find(b => b.id === 'c')).toMatchObject({ batchLength: 1 });
  expect(result.stdout).toMatch(/Received 1 dead-letter message\(s\); replayed and deleted 1, delivering 3 record\(s\) through the pipe; 1 record\(s\) left out by the filter; kept 0\./);
  // and the dead-letter queue is empty
  expect(await messagesOn(deadLetterQueueUrl)).toBe(0);
});

test('a range that yields fewer records than its batchSize keeps its message and delivers nothing', async () => {
  await put('d');
  await put('e');
  const [d, e] = await recordsOf(['d', 'e']);
  // the message claims three records between d and e; the stream holds two
  const dlq = await separateDeadLetterQueue('replay-dlq-short', deadLetterBody(d, e, 3));

  const result = await replay('--dead-letter-queue-url', dlq);

  expect(result.code).toBe(EXIT.KEPT);
  expect(result.stderr).toMatch(/kept on the dead-letter queue: not every record of the range could be read: read 2 record\(s\) \(2 pass the filter\) between the range's start and end, but its batchSize is 3 \(a gap\)/);
  expect(await messagesOn(dlq)).toBe(1);
  expect(await receiveAll(targetQueueUrl)).toEqual([]);
  // and a run right after sees the kept message again, instead of waiting out its visibility timeout
  const again = await replay('--dead-letter-queue-url', dlq);
  expect(again.code).toBe(EXIT.KEPT);
  expect(again.stdout).toMatch(/^Received 1 dead-letter message\(s\); replayed and deleted 0/);
});

test('a range whose end record is missing (the next record is past the end) keeps its message', async () => {
  // DynamoDB Local numbers the records of all tables from one sequence: a write to another table between
  // f and g leaves a sequence number between them that this shard does not hold.
  await dynamodb.send(new CreateTableCommand({
    TableName: 'ReplayOther',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
  }));
  await put('f');
  await dynamodb.send(new PutItemCommand({ TableName: 'ReplayOther', Item: { id: { S: 'elsewhere' } } }));
  await put('g');
  const [f, g] = await recordsOf(['f', 'g']);
  const justBeforeG = (BigInt(g.dynamodb!.SequenceNumber!) - 1n).toString();
  expect(BigInt(justBeforeG) > BigInt(f.dynamodb!.SequenceNumber!)).toBe(true);
  const body = JSON.parse(deadLetterBody(f, g, 1));
  body.DDBStreamBatchInfo.endSequenceNumber = justBeforeG;
  body.DDBStreamBatchInfo.batchSize = 2;
  const dlq = await separateDeadLetterQueue('replay-dlq-gap', JSON.stringify(body));

  const result = await replay('--dead-letter-queue-url', dlq);

  expect(result.code).toBe(EXIT.KEPT);
  expect(result.stderr).toContain(`no record has the range's end sequence number ${justBeforeG} (a gap: read 1 record(s) of its batchSize 2, then one past the end)`);
  expect(await messagesOn(dlq)).toBe(1);
  expect(await receiveAll(targetQueueUrl)).toEqual([]);
});

test('an enrichment failure keeps the message and reports the enrichment stage', async () => {
  await put('h', { fail: { BOOL: true } });
  const [h] = await recordsOf(['h']);
  const dlq = await separateDeadLetterQueue('replay-dlq-enrichment', deadLetterBody(h, h, 1));

  const result = await replay('--dead-letter-queue-url', dlq);

  expect(result.code).toBe(EXIT.KEPT);
  expect(result.stderr).toMatch(/kept on the dead-letter queue: the enrichment stage failed: Enrichment arn:aws:lambda:eu-west-1:000000000000:function:replay-enrich failed: .*cannot enrich h/);
  expect(await messagesOn(dlq)).toBe(1);
  expect(await receiveAll(targetQueueUrl)).toEqual([]);
});

test('--out writes the records the enrichment would receive and keeps the message', async () => {
  await put('i');
  const [i] = await recordsOf(['i']);
  const dlq = await separateDeadLetterQueue('replay-dlq-out', deadLetterBody(i, i, 1));
  const out = path.join(tmpdir(), `replay-local-${process.pid}-${Date.now()}.json`);
  try {
    const result = await replay('--dead-letter-queue-url', dlq, '--out', out);
    expect(result.code).toBe(EXIT.OK);
    const written = JSON.parse(readFileSync(out, 'utf8'));
    expect(written).toEqual([expect.objectContaining({
      eventName: 'INSERT',
      eventSourceARN: streamArn,
      dynamodb: expect.objectContaining({ Keys: { id: { S: 'i' } }, SequenceNumber: i.dynamodb!.SequenceNumber }),
    })]);
    expect(await messagesOn(dlq)).toBe(1);
  } finally {
    rmSync(out, { force: true });
  }
});

test('an unknown pipe name exits 3 with DescribePipe\'s answer', async () => {
  const stderr: string[] = [];
  const code = await main(['--pipe-name', 'no-such-pipe', '--wait-seconds', '0'], { stdout: () => undefined, stderr: t => stderr.push(t) });
  expect(code).toBe(EXIT.PIPE);
  expect(stderr.join('\n')).toBe('error: Pipe no-such-pipe does not exist in eu-west-1 (DescribePipe: Pipe no-such-pipe does not exist.)');
});

test('the documented command (ts-node tools/replay/cli.ts --pipe-name NAME) replays in its own process and exits 0', async () => {
  await put('j');
  const [j] = await recordsOf(['j']);
  await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: deadLetterBody(j, j, 1) }));
  const root = path.join(__dirname, '..', '..');

  const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      path.join(root, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', '--project', 'tsconfig.dev.json', 'tools/replay/cli.ts', '--pipe-name', PIPE_NAME, '--wait-seconds', '1'],
      { cwd: root, env: process.env, timeout: 50_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    );
  });

  expect({ code: result.code, stdout: result.stdout.trim() }).toEqual({
    code: EXIT.OK,
    stdout: 'Received 1 dead-letter message(s); replayed and deleted 1, delivering 1 record(s) through the pipe; 0 record(s) left out by the filter; kept 0.',
  });
  const bodies = (await receiveAll(targetQueueUrl)).map(m => JSON.parse(m.Body!));
  expect(bodies).toEqual([expect.objectContaining({ id: 'j', name: 'PATIENT J', enrichedBy: FUNCTION_NAME, batchLength: 1 })]);
  expect(await messagesOn(deadLetterQueueUrl)).toBe(0);
});
