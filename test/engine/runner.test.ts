/**
 * The pipe runner against real parts: AWS's DynamoDB Local (streams), the fauxqs SQS emulator and the
 * local Lambda Invoke endpoint, all reached through the SDK's standard AWS_ENDPOINT_URL_* variables.
 * Each test names the AWS page whose behaviour it checks.
 */
import * as path from 'node:path';
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { _Record, DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { mockClient } from 'aws-sdk-client-mock';
import { ACCOUNT, functionArn, REGION, useHarness } from './harness';
import { type PipeRunnerOptions, startPipeRunner as startRunner } from '../../tools/engine/runner';
import { parseDeadLetterMessage } from '../../tools/pipe/dead-letter-message';
import { PipeLogRecord } from '../../tools/pipe/execution-log';

// The runner's own log (WARN records of points where AWS is silent, ...) is not these tests' subject: kept out of the output.
const startPipeRunner = (options: PipeRunnerOptions) => startRunner({ log: () => undefined, ...options });

jest.setTimeout(60_000);

// The enrichment of h.definition() is the first: summarise.
const h = useHarness({
  code: path.join(__dirname, '..', 'fixtures', 'pipe-runner', 'handlers.js'),
  functions: [
    ...['summarise', 'fail', 'eleven', 'sixEach', 'unsendable'].map(name => ({ name })),
    { name: 'timesOut', handlerExport: 'sleepy', timeoutSeconds: 1 },
    { name: 'slow', handlerExport: 'sleepy', timeoutSeconds: 10 },
  ],
});

describe('startPipeRunner', () => {
  // Filtering: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html
  // Order within a shard: "EventBridge Pipes maintains the order of records from the data stream when
  // sending that data to the destination" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html).
  // The enrichment gets a JSON array of Lambda-shaped records, at most BatchSize of them
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html).
  test('delivers INSERTs in stream order through the enrichment; a MODIFY or REMOVE never reaches it under the INSERT filter', async () => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('ordered', true);
    const logs: PipeLogRecord[] = [];
    const runner = await startPipeRunner({
      pipe: h.definition(streamArn, target.arn, { target: { queueArn: target.arn, messageGroupId: 'one-group', messageDeduplicationId: '$.id' }, logging: { level: 'INFO', includeExecutionData: false } }),
      logger: record => logs.push(record),
    });
    try {
      for (let n = 0; n < 15; n++) {
        await h.put(name, `item-${n}`, { n: { N: String(n) } });
      }
      await h.ddb.send(new UpdateItemCommand({ TableName: name, Key: { id: { S: 'item-0' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '100' } } }));
      await h.ddb.send(new DeleteItemCommand({ TableName: name, Key: { id: { S: 'item-1' } } }));
      await runner.idle();

      const batches = h.calls('summarise');
      const received = batches.flat();
      expect(received.map(r => r.eventName)).toEqual(Array(15).fill('INSERT'));
      expect(received.map(r => r.dynamodb.NewImage.n.N)).toEqual(Array.from({ length: 15 }, (_, n) => String(n)));
      expect(Math.max(...batches.map(b => b.length))).toBeLessThanOrEqual(10);
      // The Pipes (Lambda event) record shape, not the SDK's GetRecords shape.
      expect(received[0]).toMatchObject({ eventSource: 'aws:dynamodb', awsRegion: REGION, eventSourceARN: streamArn, dynamodb: { Keys: { id: { S: 'item-0' } }, StreamViewType: 'NEW_IMAGE' } });
      expect(typeof received[0].dynamodb.ApproximateCreationDateTime).toBe('number');

      const messages = await h.drain(target.url, 15);
      expect(messages.map(m => JSON.parse(m.Body!).n)).toEqual(Array.from({ length: 15 }, (_, n) => n));
      expect(runner.stats).toMatchObject({
        recordsRead: 17,
        recordsFiltered: 2,
        recordsDelivered: 15,
        enrichmentInvocations: batches.length,
        targetSendRequests: batches.length,
        batchesDeadLettered: 0,
      });

      // Log records at INFO (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-logs.html): no TRACE steps, and no execution data without IncludeExecutionData.
      expect(new Set(logs.map(l => l.messageType))).toEqual(new Set(['ExecutionStarted', 'EnrichmentStageEntered', 'EnrichmentStageSucceeded', 'TargetStageEntered', 'TargetStageSucceeded', 'ExecutionSucceeded']));
      expect(logs.filter(l => l.payload !== undefined || l.awsRequest !== undefined)).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  // MessageGroupId / MessageDeduplicationId as JSON paths: "Dynamic path parameters"
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-target.html), evaluated on the enrichment's item.
  test('a FIFO target gets the message group ids and deduplication ids from the enriched items', async () => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('fifo', true);
    const runner = await startPipeRunner({
      pipe: h.definition(streamArn, target.arn, { target: { queueArn: target.arn, messageGroupId: '$.group', messageDeduplicationId: '$.id' } }),
    });
    try {
      await h.put(name, 'a', { group: { S: 'g1' } });
      await h.put(name, 'b', { group: { S: 'g2' } });
      await runner.idle();
      const messages = await h.drain(target.url, 2);
      expect(messages.map(m => [m.Attributes?.MessageGroupId, m.Attributes?.MessageDeduplicationId]).sort()).toEqual([['g1', 'a'], ['g2', 'b']]);
    } finally {
      await runner.stop();
    }
  });

  // "if the array is larger than the batch size supported by the target, the pipe won't invoke the
  // target" (eb-pipes-batching-concurrency.html); retries up to MaximumRetryAttempts, then the source
  // DLQ receives the batch's position (eb-pipes-error-troubleshooting.html; shape: tools/replay/replay.ts).
  test('an enrichment returning 11 items fails the target step and ends on the source DLQ after the retries', async () => {
    const { name, streamArn, localStreamArn } = await h.table();
    const target = await h.queue('target');
    const dlq = await h.queue('dlq');
    const logs: PipeLogRecord[] = [];
    const pipe = h.definition(streamArn, target.arn, {
      enrichment: { arn: functionArn('eleven') },
      source: { maximumRetryAttempts: 2, deadLetterQueueArn: dlq.arn, onPartialBatchItemFailure: 'AUTOMATIC_BISECT' },
      logging: { level: 'ERROR', includeExecutionData: true },
    });
    const runner = await startPipeRunner({ pipe, logger: record => logs.push(record) });
    try {
      const started = Date.now();
      await h.put(name, 'poison');
      await runner.idle();
      const elapsed = Date.now() - started;

      expect(h.calls('eleven')).toHaveLength(3); // the first attempt and 2 retries
      expect(await h.drain(target.url)).toEqual([]);
      const [dead, ...more] = await h.drain(dlq.url, 1);
      expect(more).toEqual([]);
      const body = JSON.parse(dead.Body!);
      const shards = await new DynamoDBStreamsClient({}).send(new DescribeStreamCommand({ StreamArn: localStreamArn }));
      const sequenceNumber = h.calls('eleven')[0][0].dynamodb.SequenceNumber;
      expect(body).toEqual({
        context: { partnerResourceArn: `arn:aws:pipes:${REGION}:${ACCOUNT}:pipe/${pipe.name}`, condition: 'RetryAttemptsExhausted' },
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        DDBStreamBatchInfo: {
          shardId: shards.StreamDescription!.Shards![0].ShardId,
          startSequenceNumber: sequenceNumber,
          endSequenceNumber: sequenceNumber,
          approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          batchSize: 1,
          streamArn,
        },
      });
      // The replay tool reads it back as a Pipes dead letter.
      expect(parseDeadLetterMessage(dead.Body!))
        .toMatchObject({ format: 'pipes', condition: 'RetryAttemptsExhausted', startSequenceNumber: sequenceNumber });
      expect(runner.stats)
        .toMatchObject({ pipeExecutions: 3, enrichmentInvocations: 3, targetSendRequests: 0, batchesDeadLettered: 1, recordsDelivered: 0 });
      // ERROR level: failures only; the default backoff is short (100, 200 ms).
      expect(logs.map(l => l.messageType)).toEqual(Array(3).fill(['TargetStageFailed', 'ExecutionFailed']).flat());
      expect(logs[0].error?.message).toBe('The enrichment returned 11 items; an SQS target takes at most 10 per execution, so the target was not invoked');
      expect(elapsed).toBeLessThan(10_000);
    } finally {
      await runner.stop();
    }
  });

  // A SendMessageBatch that fails for some entries fails the target step, and the retry goes "through the
  // entire pipe, including re-invoking any configured enrichment" (eb-pipes-batching-concurrency.html). Here the
  // enrichment returns two items for one record, so the remainder cannot be told apart from the rest
  // (partial-batch-items-not-one-per-record): the whole batch is retried, and the entries that were sent arrive
  // again: delivery is at least once. With one item per record only the remainder is retried (fidelity.test.ts). The failure is real: SQS (and
  // fauxqs) refuse U+FFFF in a message body (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
  // Logs at TRACE with IncludeExecutionData carry the payload and requests (eb-pipes-logs.html).
  test('a partly failed SendMessageBatch with two items for one record retries the batch whole, then dead-letters it', async () => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    const dlq = await h.queue('dlq');
    const logs: PipeLogRecord[] = [];
    const runner = await startPipeRunner({
      log: () => undefined,
      pipe: h.definition(streamArn, target.arn, {
        enrichment: { arn: functionArn('unsendable') },
        source: { maximumRetryAttempts: 1, deadLetterQueueArn: dlq.arn },
        logging: { level: 'TRACE', includeExecutionData: true },
      }),
      logger: record => logs.push(record),
    });
    try {
      await h.put(name, 'a');
      await runner.idle();
      expect(h.calls('unsendable')).toHaveLength(2);
      expect((await h.drain(target.url)).map(m => m.Body)).toEqual(['{"ok":true}', '{"ok":true}']);
      expect((await h.drain(dlq.url, 1)).map(m => JSON.parse(m.Body!).context.condition)).toEqual(['RetryAttemptsExhausted']);
      const partial = logs.filter(l => l.messageType === 'TargetInvocationPartiallyFailed');
      expect(partial).toHaveLength(2);
      expect(partial[0].error?.message).toMatch(/^SendMessageBatch to arn:aws:sqs:[^ ]+ failed for 1 of 2 messages: /);
      expect(JSON.parse(partial[0].awsRequest!).Entries).toHaveLength(2);
      const started = logs.find(l => l.messageType === 'ExecutionStarted')!;
      expect(JSON.parse(started.payload!)[0].dynamodb.Keys.id.S).toBe('a');
      // Two items for one record: nothing ties the refused item to a record, so the whole batch is retried.
      expect(runner.stats.unspecified).toEqual({ 'partial-batch-items-not-one-per-record': 2 });
    } finally {
      await runner.stop();
    }
  });

  // An enrichment that times out fails like one that throws: Lambda answers with a function error
  // (Sandbox.Timedout, https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html), and the pipe
  // execution itself is limited to 5 minutes ("Pipe executions are limited to a maximum of 5 minutes including
  // the enrichment and target processing", eb-pipes-batching-concurrency.html; shortened here by the option).
  test.each([
    ['the enrichment function times out', 'timesOut', {}, 'EnrichmentStageFailed'],
    ['the execution exceeds its time limit', 'slow', { executionTimeoutSeconds: 0.5 }, 'ExecutionTimeout'],
  ])('a batch is retried and dead-lettered when %s', async (_title, fn, options, logged) => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    const dlq = await h.queue('dlq');
    const logs: PipeLogRecord[] = [];
    const runner = await startPipeRunner({
      pipe: h.definition(streamArn, target.arn, {
        enrichment: { arn: functionArn(fn) },
        source: { maximumRetryAttempts: 0, deadLetterQueueArn: dlq.arn },
        logging: { level: 'ERROR', includeExecutionData: false },
      }),
      logger: record => logs.push(record),
      ...options,
    });
    try {
      await h.put(name, 'a');
      await runner.idle();
      expect(await h.drain(target.url)).toEqual([]);
      expect((await h.drain(dlq.url, 1)).map(m => JSON.parse(m.Body!).context.condition)).toEqual(['RetryAttemptsExhausted']);
      expect(logs.map(l => l.messageType)).toContain(logged);
    } finally {
      await runner.stop();
    }
  });

  // "Partial batch failure handling of the enrichment is not supported" (eb-pipes-batching-concurrency.html):
  // a failing enrichment retries the whole batch, even with AUTOMATIC_BISECT.
  test('a throwing enrichment retries the whole batch without bisecting, then dead-letters it', async () => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    const dlq = await h.queue('dlq');
    await h.put(name, 'a');
    await h.put(name, 'b');
    const runner = await startPipeRunner({
      pipe: h.definition(streamArn, target.arn, {
        enrichment: { arn: functionArn('fail') },
        source: { startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: 1, deadLetterQueueArn: dlq.arn, onPartialBatchItemFailure: 'AUTOMATIC_BISECT' },
      }),
    });
    try {
      await runner.idle();
      expect(h.calls('fail').map(batch => batch.map(r => r.dynamodb.Keys.id.S))).toEqual([['a', 'b'], ['a', 'b']]);
      const dead = await h.drain(dlq.url, 1);
      expect(dead.map(m => JSON.parse(m.Body!).DDBStreamBatchInfo.batchSize)).toEqual([2]);
    } finally {
      await runner.stop();
    }
  });

  // AUTOMATIC_BISECT "Halve each batch and retry each half until all the records are processed or there
  // is one failed message remaining in the batch" (eb-pipes-dynamodb.html); "Splitting a batch does not
  // count towards the retry quota" (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html).
  test.each([
    ['AUTOMATIC_BISECT splits a batch whose target step failed, and both halves are delivered', 'AUTOMATIC_BISECT' as const, [['a', 'b'], ['a'], ['b']], 12, 0],
    ['without AUTOMATIC_BISECT the same batch is retried whole and dead-lettered', undefined, [['a', 'b'], ['a', 'b']], 0, 1],
  ])('%s', async (_title, bisect, expectedCalls, delivered, deadLettered) => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    const dlq = await h.queue('dlq');
    await h.put(name, 'a');
    await h.put(name, 'b');
    const runner = await startPipeRunner({
      pipe: h.definition(streamArn, target.arn, {
        enrichment: { arn: functionArn('sixEach') }, // 6 items per record: 12 for two records, over the target's 10
        source: { startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: 1, deadLetterQueueArn: dlq.arn, onPartialBatchItemFailure: bisect },
      }),
    });
    try {
      await runner.idle();
      expect(h.calls('sixEach').map(batch => batch.map(r => r.dynamodb.Keys.id.S))).toEqual(expectedCalls);
      expect(await h.drain(target.url, delivered)).toHaveLength(delivered);
      expect(runner.stats.batchesDeadLettered).toBe(deadLettered);
    } finally {
      await runner.stop();
    }
  });

  // MaximumRecordAgeInSeconds: "Discard records older than the specified age"
  // (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html).
  // AWS allows 60 s at least; the definition takes 2 s so that the test does not wait a minute. The age is measured
  // from the latest moment the record can have been created (test/engine/fidelity.test.ts): here, when the runner
  // first read it, which is no earlier than its creation.
  test('records older than MaximumRecordAgeInSeconds are dead-lettered as RecordAgeExceeded even with infinite retries', async () => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    const dlq = await h.queue('dlq');
    await h.put(name, 'old');
    const maximumRecordAgeSeconds = 2;
    const started = Date.now();
    const runner = await startPipeRunner({
      pipe: h.definition(streamArn, target.arn, {
        enrichment: { arn: functionArn('fail') },
        source: { startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: -1, maximumRecordAgeSeconds, deadLetterQueueArn: dlq.arn },
      }),
      backoff: { initialDelayMs: 200, maxDelayMs: 200 },
    });
    try {
      await runner.idle();
      const [dead] = await h.drain(dlq.url, 1);
      expect(JSON.parse(dead.Body!).context.condition).toBe('RecordAgeExceeded');
      expect(Date.parse(JSON.parse(dead.Body!).timestamp) - started).toBeGreaterThanOrEqual(maximumRecordAgeSeconds * 1000);
      expect(h.calls('fail').length).toBeGreaterThanOrEqual(2);
      expect(runner.stats.batchesDeadLettered).toBe(1);
    } finally {
      await runner.stop();
    }
  });

  // MaximumBatchingWindowInSeconds: records are gathered until the batch is full or the window expires
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html).
  test('gathers records for the batching window, so that several writes reach the enrichment as one batch', async () => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    const runner = await startPipeRunner({ pipe: h.definition(streamArn, target.arn, { source: { maximumBatchingWindowSeconds: 2 } }) });
    try {
      for (const id of ['a', 'b', 'c']) {
        await h.put(name, id);
        await new Promise(resolve => setTimeout(resolve, 300));
      }
      await runner.idle();
      expect(h.calls('summarise').map(batch => batch.map(r => r.dynamodb.Keys.id.S))).toEqual([['a', 'b', 'c']]);
    } finally {
      await runner.stop();
    }
  });

  // StartingPosition LATEST: "Start reading the stream with the most recent record in the shard"
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html). DynamoDB Local shares
  // sequence numbers between tables, and a held LATEST iterator fails after another table is written.
  test('with LATEST, skips what was there before the start and keeps its place while other tables are written', async () => {
    const other = await h.table();
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    await h.put(name, 'before');
    const runner = await startPipeRunner({ pipe: h.definition(streamArn, target.arn) });
    try {
      await runner.idle();
      await h.put(other.name, 'elsewhere');
      await new Promise(resolve => setTimeout(resolve, 300));
      await h.put(name, 'after');
      await runner.idle();
      expect(h.calls('summarise').map(batch => batch.map(r => r.dynamodb.Keys.id.S))).toEqual([['after']]);
    } finally {
      await runner.stop();
    }
  });

  // Shard lineage: DynamoDB Local keeps one open shard per stream, so a parent and a child shard (what
  // DynamoDB's shard rollover produces) are injected with a mocked Streams client; enrichment and target
  // stay real. A child's records follow its parent's ("process the parent shard before the child shard",
  // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html), and DescribeStream is paginated
  // (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_DescribeStream.html).
  test('reads a child shard only after its parent is read to its end, across DescribeStream pages', async () => {
    const target = await h.queue('target');
    const streamArn = 'arn:aws:dynamodb:eu-west-1:000000000000:table/Lineage/stream/2026-01-01T00:00:00.000';
    const client = new DynamoDBStreamsClient({});
    const streams = mockClient(client);
    const record = (id: string, sequenceNumber: string): _Record => ({
      eventID: id,
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: { ApproximateCreationDateTime: new Date(), Keys: { id: { S: id } }, NewImage: { id: { S: id } }, SequenceNumber: sequenceNumber, StreamViewType: 'NEW_IMAGE' },
    });
    // The child is listed first, on the first page; the parent (closed) on the second.
    streams.on(DescribeStreamCommand).callsFake(input => ({
      StreamDescription: input.ExclusiveStartShardId === 'child'
        ? { Shards: [{ ShardId: 'parent', SequenceNumberRange: { StartingSequenceNumber: '100', EndingSequenceNumber: '200' } }] }
        : { Shards: [{ ShardId: 'child', ParentShardId: 'parent', SequenceNumberRange: { StartingSequenceNumber: '300' } }], LastEvaluatedShardId: 'child' },
    }));
    const iteratorRequests: string[] = [];
    streams.on(GetShardIteratorCommand).callsFake(input => {
      iteratorRequests.push(input.ShardId);
      return { ShardIterator: `${input.ShardId}:0` };
    });
    streams.on(GetRecordsCommand).callsFake(input => {
      switch (input.ShardIterator) {
        case 'parent:0': return { Records: [record('p1', '110'), record('p2', '120')], NextShardIterator: 'parent:1' };
        case 'parent:1': return { Records: [] }; // closed and read to its end
        case 'child:0': return { Records: [record('c1', '310')], NextShardIterator: 'child:1' };
        default: return { Records: [], NextShardIterator: input.ShardIterator };
      }
    });
    const runner = await startPipeRunner({
      pipe: h.definition(streamArn, target.arn, { source: { startingPosition: 'TRIM_HORIZON' } }),
      clients: { streams: client },
    });
    try {
      await runner.idle();
      expect(iteratorRequests).toEqual(['parent', 'child']);
      expect(runner.stats).toMatchObject({ describeStreamRequests: 2, getShardIteratorRequests: 2, recordsRead: 3 });
      expect(h.calls('summarise').flat().map(r => r.dynamodb.Keys.id.S)).toEqual(['p1', 'p2', 'c1']);
      expect(streams.commandCalls(DescribeStreamCommand).map(c => c.args[0].input.ExclusiveStartShardId)).toEqual([undefined, 'child']);
    } finally {
      await runner.stop();
      streams.restore();
    }
  });

  test('a pipe whose DesiredState is STOPPED does not read its stream', async () => {
    const { name, streamArn } = await h.table();
    const target = await h.queue('target');
    const runner = await startPipeRunner({ pipe: h.definition(streamArn, target.arn, { desiredState: 'STOPPED', source: { startingPosition: 'TRIM_HORIZON' } }) });
    try {
      await h.put(name, 'a');
      await runner.idle();
      expect(runner.stats.recordsRead).toBe(0);
      expect(h.calls('summarise')).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  test('refuses a ParallelizationFactor above 1', async () => {
    const pipe = h.definition('arn:aws:dynamodb:eu-west-1:123456789012:table/T/stream/x', 'arn:aws:sqs:eu-west-1:123456789012:q', { name: 'P', source: { parallelizationFactor: 2 } });
    await expect(startPipeRunner({ pipe })).rejects.toThrow('Pipe P: ParallelizationFactor 2 is not supported by the local pipe runner, which processes one batch per shard at a time; allowed: 1');
  });
});
