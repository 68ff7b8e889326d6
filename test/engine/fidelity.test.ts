/**
 * Where the AWS pages document a behaviour and the local runner used to differ (issue 15). Each test
 * runs on real parts (DynamoDB Local, fauxqs, the local Lambda service, test/engine/harness.ts), names
 * the page it follows, and failed on the runner before the fix.
 */
import { functionArn, REGION, useHarness } from './harness';
import { LambdaService } from '../../tools/emulator/lambda/invoke-api';
import { freePort } from '../../tools/emulator/support/processes';
import { startPipeRunner } from '../../tools/engine/runner';
import { RunnerLogRecord } from '../../tools/engine/runner-log';

jest.setTimeout(90_000);

const h = useHarness();

// "Records carry eventSourceARN = the pipe's Source (the stack's region and account), awsRegion = that
// region": the Pipes DynamoDB page's sample event carries `eventSourceARN` and `awsRegion`
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html), and the Lambda
// DynamoDB event names the stream ARN in `eventSourceARN` (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html).
// In AWS the stream ARN is the pipe's Source; DynamoDB Local names its streams
// arn:aws:dynamodb:ddblocal:000000000000:..., which must not reach the user's code.
describe('ARNs as in AWS', () => {
  test('records, and the dead-letter message, name the pipe\'s Source and its region, never DynamoDB Local\'s ARN', async () => {
    const table = await h.table();
    // Another region than the clients' (eu-west-1), so that awsRegion can only come from the Source.
    const streamArn = table.streamArn.replace(`:${REGION}:`, ':eu-central-1:');
    const target = await h.queue('arn-target');
    const dlq = await h.queue('arn-dlq');
    const pipe = h.definition(streamArn, target.arn, {
      enrichment: { arn: functionArn('fail') },
      source: { maximumRetryAttempts: 0, deadLetterQueueArn: dlq.arn },
    });
    const runner = await startPipeRunner({ pipe });
    try {
      await h.put(table.name, 'a');
      await runner.idle();
      const [[record]] = h.calls('fail');
      expect(record).toMatchObject({ eventSourceARN: streamArn, awsRegion: 'eu-central-1' });
      const [dead] = await h.drain(dlq.url, 1);
      const body = JSON.parse(dead.Body!);
      expect(body.DDBStreamBatchInfo.streamArn).toBe(streamArn);
      expect(body.context.partnerResourceArn).toBe(pipe.arn);
      expect(`${JSON.stringify(h.calls('fail'))}${dead.Body}`).not.toMatch(/ddblocal|:000000000000:/);
    } finally {
      await runner.stop();
    }
  });
});

// MaximumRecordAgeInSeconds: "Discard records older than the specified age"
// (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html).
// ApproximateCreationDateTime is "rounded down to the closest second" in DynamoDB
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html); DynamoDB Local
// rounds it down to the minute (observed), so measuring age from it makes a fresh record up to 60 s too old.
// The case, scaled down: a limit of 60 s with a 15 s window becomes a limit of 5 s with a 3 s window.
describe('record age on a clock right to the second', () => {
  test('a record written a few seconds into a minute is delivered after the batching window, not dead-lettered as too old', async () => {
    const table = await h.table();
    const target = await h.queue('age-target');
    const dlq = await h.queue('age-dlq');
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, {
        source: { maximumBatchingWindowSeconds: 3, maximumRecordAgeSeconds: 5, deadLetterQueueArn: dlq.arn },
      }),
    });
    try {
      // Write at least 3 s into a minute: DynamoDB Local stamps the record with the minute's start, so the
      // record looks 3 s + the 3 s window = 6 s old, over the 5 s limit, when it is 3 s old.
      const second = new Date().getSeconds();
      if (second < 3) await new Promise(resolve => setTimeout(resolve, (3 - second) * 1000));
      await h.put(table.name, 'fresh');
      await runner.idle();
      expect(await h.drain(dlq.url)).toEqual([]);
      expect((await h.drain(target.url, 1)).map(m => JSON.parse(m.Body!))).toEqual([{ id: 'fresh' }]);
      // The field itself is passed on as DynamoDB Local gives it.
      const [[record]] = h.calls('perRecord');
      expect(record.dynamodb.ApproximateCreationDateTime % 60).toBe(0);
    } finally {
      await runner.stop();
    }
  });
});

// "Pipe internal errors ... A HTTP connection failure when attempting to invoke the customer targer
// service ... EventBridge Pipes retries internal errors an indefinite number of times, and stops only when
// the record expires in the source. For pipes with a stream source, EventBridge Pipes does not count retries
// for internal errors against the maximum number of retries specified on the retry policy for the stream
// source" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html).
describe('pipe internal errors', () => {
  test('a Lambda endpoint that refuses connections for a while is retried without counting against MaximumRetryAttempts 0', async () => {
    const table = await h.table();
    const target = await h.queue('internal-target');
    const dlq = await h.queue('internal-dlq');
    const port = await freePort();
    const saved = process.env.AWS_ENDPOINT_URL_LAMBDA;
    process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${port}`; // nothing listens there yet
    const logs: RunnerLogRecord[] = [];
    let late: LambdaService | undefined;
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, { source: { maximumRetryAttempts: 0, deadLetterQueueArn: dlq.arn } }),
      log: record => logs.push(record),
    });
    try {
      await h.put(table.name, 'a');
      await waitFor(() => runner.stats.pipeExecutions >= 1);
      await new Promise(resolve => setTimeout(resolve, 1500)); // the endpoint stays unreachable for 1.5 s more
      late = await h.startLambda(port);
      await runner.idle();
      expect((await h.drain(target.url, 1)).map(m => JSON.parse(m.Body!))).toEqual([{ id: 'a' }]);
      expect(await h.drain(dlq.url)).toEqual([]);
      expect(runner.stats).toMatchObject({ batchesDeadLettered: 0, recordsDelivered: 1 });
      expect(runner.stats.pipeExecutions).toBe(runner.stats.internalErrors + 1);
      expect(logs.find(l => l.level === 'ERROR')?.message).toMatch(/^Internal error, retried without counting against MaximumRetryAttempts: Enrichment .* failed: .*ECONNREFUSED/);
    } finally {
      process.env.AWS_ENDPOINT_URL_LAMBDA = saved;
      await runner.stop();
      await late?.stop();
    }
  });

  test('a function error is the customer\'s: MaximumRetryAttempts 0 dead-letters the batch after one execution', async () => {
    const table = await h.table();
    const target = await h.queue('customer-target');
    const dlq = await h.queue('customer-dlq');
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, { enrichment: { arn: functionArn('fail') }, source: { maximumRetryAttempts: 0, deadLetterQueueArn: dlq.arn } }),
      log: () => undefined,
    });
    try {
      await h.put(table.name, 'a');
      await runner.idle();
      expect(runner.stats).toMatchObject({ pipeExecutions: 1, internalErrors: 0, batchesDeadLettered: 1 });
    } finally {
      await runner.stop();
    }
  });
});

// "If the target supports batching and only part of the batch succeeds, EventBridge automatically retries
// batching the remainder of the payload. For the most up-to-date enriched content, this retry occurs through
// the entire pipe, including re-invoking any configured enrichment"
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html). SQS refuses
// U+FFFF in a body (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html),
// so one entry of the batch fails for real.
describe('a partly failed SendMessageBatch retries only the remainder', () => {
  const ids = ['r0', 'r1', 'r2', 'r3', 'r4', 'bad', 'r6', 'r7', 'r8', 'r9'];

  test.each([
    ['AUTOMATIC_BISECT, 0 retries (the issue\'s case)', 'AUTOMATIC_BISECT' as const, 0, [ids]],
    ['no bisect, 2 retries', undefined, 2, [ids, ['bad'], ['bad']]],
  ])('one refused entry in a batch of 10 records, %s: 9 messages for the 9 good records, the bad one dead-lettered alone', async (_title, bisect, retries, calls) => {
    const table = await h.table();
    const target = await h.queue('partial-target');
    const dlq = await h.queue('partial-dlq');
    for (const id of ids) await h.put(table.name, id);
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, {
        enrichment: { arn: functionArn('oneUnsendable') },
        source: { startingPosition: 'TRIM_HORIZON', maximumRetryAttempts: retries, onPartialBatchItemFailure: bisect, deadLetterQueueArn: dlq.arn },
      }),
      log: () => undefined,
    });
    try {
      await runner.idle();
      expect(h.calls('oneUnsendable').map(batch => batch.map(r => r.dynamodb.Keys.id.S))).toEqual(calls);
      const messages = (await h.drain(target.url)).map(m => JSON.parse(m.Body!).id).sort();
      expect(messages).toEqual(ids.filter(id => id !== 'bad'));
      const bad = h.calls('oneUnsendable')[0][5].dynamodb.SequenceNumber;
      const dead = (await h.drain(dlq.url)).map(m => JSON.parse(m.Body!).DDBStreamBatchInfo);
      expect(dead).toMatchObject([{ startSequenceNumber: bad, endSequenceNumber: bad, batchSize: 1 }]);
      expect(runner.stats).toMatchObject({ recordsDelivered: 9, messagesSent: 9, batchesDeadLettered: 1, unspecified: {} });
    } finally {
      await runner.stop();
    }
  });
});

// The enrichment page: "If you don't want to invoke the target, return an empty response, such as "", {},
// or []" (https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html); SQS: "The minimum
// size is one character" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
// Per item the page is silent (enrichment-empty-item): empty items are not sent.
describe('empty items from the enrichment', () => {
  test('["", ""] puts no empty message on the queue', async () => {
    const table = await h.table();
    const target = await h.queue('empty-target');
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, { enrichment: { arn: functionArn('emptyStrings') }, source: { startingPosition: 'TRIM_HORIZON' } }),
      log: () => undefined,
    });
    await h.put(table.name, 'a');
    await h.put(table.name, 'b');
    try {
      await runner.idle();
      expect(await h.drain(target.url)).toEqual([]);
      expect(runner.stats).toMatchObject({ recordsDelivered: 0, recordsDroppedByEnrichment: 2, messagesSent: 0 });
      expect(runner.stats.unspecified['enrichment-empty-item']).toBeGreaterThanOrEqual(1);
    } finally {
      await runner.stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
