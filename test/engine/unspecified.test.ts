/**
 * Points where the AWS pages are silent (tools/engine/unspecified.ts): each is counted in the stats,
 * named in one WARN record of the runner's log per pipe and point, turned into a failure by `strict`,
 * and, where two readings are plausible, run under both. Real parts: test/engine/harness.ts.
 */
import { functionArn, Harness, useHarness } from './harness';
import { PipeRunnerOptions, startPipeRunner } from '../../tools/engine/runner';
import { RunnerLogRecord } from '../../tools/engine/runner-log';
import { UNSPECIFIED_IDS } from '../../tools/engine/unspecified';

jest.setTimeout(90_000);

const h = useHarness();

type Overrides = Parameters<Harness['definition']>[2];

/**
 * Runs a pipe (no retries, a dead-letter queue) over records with these ids until idle; returns what
 * happened. Records are written after the start, or before it with TRIM_HORIZON (`together`), so that
 * they form one batch.
 */
async function run(overrides: Overrides, ids: string[], options: Partial<PipeRunnerOptions> = {}, together = false) {
  const table = await h.table();
  const target = await h.queue('target');
  const dlq = await h.queue('dlq');
  const logs: RunnerLogRecord[] = [];
  const pipe = h.definition(table.streamArn, target.arn, {
    ...overrides,
    target: { ...overrides?.target, queueArn: target.arn },
    source: { deadLetterQueueArn: dlq.arn, maximumRetryAttempts: 0, ...together ? { startingPosition: 'TRIM_HORIZON' } : {}, ...overrides?.source },
  });
  const write = async () => {
    for (const id of ids) await h.put(table.name, id);
  };
  if (together) await write();
  const runner = await startPipeRunner({ pipe, log: record => logs.push(record), ...options });
  let idleError: Error | undefined;
  try {
    if (!together) await write();
    await runner.idle().catch((error: Error) => {
      idleError = error;
    });
    const messages = (await h.drain(target.url)).map(m => m.Body);
    const deadLetters = (await h.drain(dlq.url)).map(m => JSON.parse(m.Body!).DDBStreamBatchInfo.batchSize as number);
    return { stats: runner.stats, logs, messages, deadLetters, idleError };
  } finally {
    await runner.stop();
  }
}

const warnings = (logs: RunnerLogRecord[]) => logs.filter(l => l.level === 'WARN').map(l => l.unspecified);

describe('enrichment-null-result', () => {
  // "If you don't want to invoke the target, return an empty response, such as "", {}, or []."
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html): null is not listed.
  test('a handler that forgets to return skips the target; its records are not counted as delivered, the point is counted and named once', async () => {
    const result = await run({ enrichment: { arn: functionArn('forgetsToReturn') }, source: { batchSize: 1 } }, ['a', 'b']);
    expect(result.messages).toEqual([]);
    expect(result.stats).toMatchObject({ recordsDelivered: 0, recordsDroppedByEnrichment: 2, unspecified: { 'enrichment-null-result': 2 } });
    expect(warnings(result.logs)).toEqual(['enrichment-null-result']);
    expect(result.logs[0].message).toMatch(/^Unspecified behaviour 'enrichment-null-result': the enrichment answered null for a batch of 1 record/);
  });

  test('strict: the execution fails with an error naming the point, the batch is dead-lettered, and idle() rejects with it', async () => {
    const result = await run({ enrichment: { arn: functionArn('forgetsToReturn') } }, ['a'], { strict: true });
    expect(result.idleError?.message).toMatch(/^Unspecified behaviour 'enrichment-null-result' \(strict mode\): the enrichment answered null/);
    expect(result.deadLetters).toEqual([1]);
    expect(result.stats.recordsDroppedByEnrichment).toBe(0);
  });

  test('[] is the documented empty response: no message, nothing unspecified, nothing delivered', async () => {
    const result = await run({ enrichment: { arn: functionArn('emptyArray') } }, ['a']);
    expect(result.messages).toEqual([]);
    expect(result.stats).toMatchObject({ recordsDelivered: 0, recordsDroppedByEnrichment: 1, unspecified: {} });
    expect(result.logs).toEqual([]);
  });
});

describe('enrichment-non-array-result', () => {
  test('a bare object for a batch is sent as one message, and named', async () => {
    const result = await run({ enrichment: { arn: functionArn('bareObject') } }, ['a', 'b'], {}, true);
    expect(result.messages).toEqual(['{"count":2}']);
    expect(result.stats).toMatchObject({ recordsDelivered: 2, unspecified: { 'enrichment-non-array-result': 1 } });
    expect(warnings(result.logs)).toEqual(['enrichment-non-array-result']);
  });
});

describe('enrichment-too-many-items', () => {
  // "if the array is larger than the batch size supported by the target, the pipe won't invoke the target"
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html)
  test.each([
    ['fail-execution' as const, [1], 0],
    ['skip-target' as const, [], 1],
  ])('11 items under reading %s', async (reading, deadLetters, dropped) => {
    const result = await run({ enrichment: { arn: functionArn('eleven') } }, ['a'], { readings: { 'enrichment-too-many-items': reading } });
    expect(result.messages).toEqual([]);
    expect(result.deadLetters).toEqual(deadLetters);
    expect(result.stats).toMatchObject({ recordsDroppedByEnrichment: dropped, unspecified: { 'enrichment-too-many-items': 1 } });
  });
});

describe('enrichment-failure-bisect', () => {
  // "Partial batch failure handling of the enrichment is not supported" (batching page) against Lambda's
  // "If the function returns an error, split the batch in two and retry" (CreateEventSourceMapping).
  test.each([
    ['retry-whole-batch' as const, [['a', 'b']], [2]],
    ['bisect' as const, [['a', 'b'], ['a'], ['b']], [1, 1]],
  ])('a failing enrichment with AUTOMATIC_BISECT under reading %s', async (reading, calls, deadLetters) => {
    const result = await run({ enrichment: { arn: functionArn('fail') }, source: { onPartialBatchItemFailure: 'AUTOMATIC_BISECT' } }, ['a', 'b'],
      { readings: { 'enrichment-failure-bisect': reading } }, true);
    expect(h.calls('fail').map(batch => batch.map(r => r.dynamodb.Keys.id.S))).toEqual(calls);
    expect(result.deadLetters).toEqual(deadLetters);
    expect(result.stats.unspecified['enrichment-failure-bisect']).toBe(1);
  });
});

describe('group-id-path-selects-nothing', () => {
  test('a MessageGroupId path that selects nothing fails the target transformation; the batch is dead-lettered', async () => {
    const result = await run({ target: { queueArn: '', messageGroupId: '$.nothing' } }, ['a']);
    expect(result.messages).toEqual([]);
    expect(result.deadLetters).toEqual([1]);
    expect(result.stats.unspecified).toEqual({ 'group-id-path-selects-nothing': 1 });
  });
});

describe('dlq-non-contiguous-records', () => {
  test('refused records that are not next to each other are described by one dead-letter message each', async () => {
    const result = await run({ enrichment: { arn: functionArn('oneUnsendable') } }, ['a', 'bad1', 'c', 'bad2', 'e'], {}, true);
    expect(result.messages.map(body => JSON.parse(body!).id).sort()).toEqual(['a', 'c', 'e']);
    expect(result.deadLetters).toEqual([1, 1]);
    expect(result.stats.unspecified).toEqual({ 'dlq-non-contiguous-records': 1 });
  });
});

describe('dlq-batch-size-with-filtered-records', () => {
  test('a dead-lettered range that holds a record the filter dropped counts the batch\'s records, and is named', async () => {
    const filter = '{"eventName":["INSERT"],"dynamodb":{"Keys":{"id":{"S":[{"anything-but":["skip"]}]}}}}';
    const result = await run({ enrichment: { arn: functionArn('fail') }, filterPatterns: [filter] }, ['a', 'skip', 'b'], {}, true);
    expect(h.calls('fail').map(batch => batch.map(r => r.dynamodb.Keys.id.S))).toEqual([['a', 'b']]);
    expect(result.deadLetters).toEqual([2]);
    expect(result.stats.unspecified).toEqual({ 'dlq-batch-size-with-filtered-records': 1 });
  });
});

describe('readings', () => {
  test('refuses a reading the point does not have, naming the allowed readings', async () => {
    const table = await h.table();
    const pipe = h.definition(table.streamArn, 'arn:aws:sqs:eu-west-1:123456789012:q');
    await expect(startPipeRunner({ pipe, readings: { 'enrichment-failure-bisect': 'halve' as 'bisect' } }))
      .rejects.toThrow('readings[\'enrichment-failure-bisect\'] must be one of \'retry-whole-batch\', \'bisect\', got "halve"');
    await expect(startPipeRunner({ pipe, readings: { 'enrichment-null-result': 'x' } as never }))
      .rejects.toThrow('readings: \'enrichment-null-result\' has no readings to choose; points with readings: enrichment-too-many-items, enrichment-failure-bisect');
  });

  test('every point has a kebab-case id', () => {
    expect(UNSPECIFIED_IDS.filter(id => !/^[a-z]+(-[a-z]+)+$/.test(id))).toEqual([]);
  });
});
