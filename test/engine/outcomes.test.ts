/**
 * Every record accounted for: the runner keeps an outcome per record read, in stream order, reports
 * each as it settles, and logs filtered records at the pipe's TRACE level. Real parts:
 * test/engine/harness.ts; the bounded log itself is tested without them.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { functionArn, useHarness } from './harness';
import { OutcomeLog, RecordOutcome } from '../../tools/engine/outcomes';
import { startPipeRunner } from '../../tools/engine/runner';
import { RunnerLogRecord } from '../../tools/engine/runner-log';
import { SourceRecord } from '../../tools/engine/source';
import { PipeLogRecord } from '../../tools/pipe/execution-log';

jest.setTimeout(90_000);

describe('the runner\'s record outcomes', () => {
  const h = useHarness();

  test('delivered, filtered (with why) and dead-lettered (with the condition and the last error), in stream order, each reported once as it settles', async () => {
    const table = await h.table();
    const target = await h.queue('outcome-target');
    const dlq = await h.queue('outcome-dlq');
    const settled: RecordOutcome[] = [];
    const logs: PipeLogRecord[] = [];
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, {
        enrichment: { arn: functionArn('oneUnsendable') },
        source: { maximumRetryAttempts: 0, deadLetterQueueArn: dlq.arn, batchSize: 1 },
        logging: { level: 'TRACE', includeExecutionData: false },
      }),
      onRecordSettled: outcome => settled.push(outcome),
      logger: record => logs.push(record),
      log: () => undefined,
    });
    try {
      await h.put(table.name, 'a');
      await h.ddb.send(new UpdateItemCommand({ TableName: table.name, Key: { id: { S: 'a' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } } }));
      await h.put(table.name, 'bad');
      await runner.idle();
      const records = runner.records();
      expect(records.map(r => [r.keys, r.eventName, r.outcome])).toEqual([
        [{ id: { S: 'a' } }, 'INSERT', 'delivered'],
        [{ id: { S: 'a' } }, 'MODIFY', 'filtered'],
        [{ id: { S: 'bad' } }, 'INSERT', 'dead-lettered'],
      ]);
      // Why it was dropped, from the pattern engine that testing.EventPattern.explainFilter uses.
      expect(records[1].reason).toEqual(['filters[0]: eventName: wanted ["INSERT"], the record holds "MODIFY"']);
      expect(records[2].reason).toEqual(['RetryAttemptsExhausted', expect.stringMatching(/^last error: SendMessageBatch to arn:aws:sqs:\S+ failed for 1 of 1 messages: /)]);
      expect(records.every(r => typeof r.eventID === 'string' && /^\d+$/.test(r.sequenceNumber) && r.shardId.startsWith('shardId-'))).toBe(true);
      expect(settled.map(r => r.outcome).sort()).toEqual(['dead-lettered', 'delivered', 'filtered']);
      // Filtered records at the pipe's TRACE level (Pipes itself logs nothing for them), without execution data.
      const filtered = logs.filter(l => l.messageType === 'LocalRecordFiltered');
      expect(filtered).toEqual([expect.objectContaining({ logLevel: 'TRACE', reason: ['filters[0]: eventName: wanted ["INSERT"], the record holds "MODIFY"'] })]);
      expect(filtered[0].payload).toBeUndefined();
    } finally {
      await runner.stop();
    }
  });

  test('records dropped by the enrichment are filtered with the reason, and name the point they depended on', async () => {
    const table = await h.table();
    const target = await h.queue('dropped-target');
    const logs: PipeLogRecord[] = [];
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, { enrichment: { arn: functionArn('forgetsToReturn') }, logging: { level: 'INFO', includeExecutionData: false } }),
      logger: record => logs.push(record),
      log: () => undefined,
    });
    try {
      await h.put(table.name, 'a');
      await runner.idle();
      expect(runner.records()).toEqual([expect.objectContaining({
        outcome: 'filtered',
        reason: ['the enrichment returned no item to send, so the target was not invoked'],
        unspecified: ['enrichment-null-result'],
      })]);
      expect(logs.filter(l => l.messageType === 'LocalRecordFiltered')).toEqual([]); // INFO: no TRACE records
    } finally {
      await runner.stop();
    }
  });

  test('a pattern with a part no stream record can match runs as EventBridge runs it (the live alternative delivers), and the runner names the dead part once in a WARN record', async () => {
    const table = await h.table();
    const target = await h.queue('lint-target');
    const runnerLog: RunnerLogRecord[] = [];
    // The second alternative has no DynamoDB type key under NewImage, so it can never match.
    const pattern = JSON.stringify({ $or: [{ eventName: ['INSERT'] }, { dynamodb: { NewImage: { status: ['OPEN'] } } }] });
    const runner = await startPipeRunner({
      pipe: h.definition(table.streamArn, target.arn, { filterPatterns: [pattern] }),
      log: record => runnerLog.push(record),
    });
    try {
      await h.put(table.name, 'a');
      await runner.idle();
      expect(runner.records().map(r => r.outcome)).toEqual(['delivered']);
      const warnings = runnerLog.filter(r => r.level === 'WARN');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toMatch(/^Filter pattern 0 at .*NewImage.*status.*\(it runs as EventBridge runs it\)$/);
    } finally {
      await runner.stop();
    }
  });
});

describe('OutcomeLog', () => {
  const record = (n: number): SourceRecord => ({
    event: {}, shardId: 'shard-1', sequenceNumber: String(n), approximateArrivalMs: 0, latestCreationMs: 0, bytes: 2,
  });

  test('keeps the most recent outcomes only, in the order read, in-flight ones included', () => {
    const log = new OutcomeLog(3);
    const entries = [1, 2, 3, 4, 5].map(n => log.add(record(n), 'in-flight'));
    log.settle(entries[4], 'delivered');
    for (let n = 6; n <= 10; n++) log.add(record(n), 'filtered', ['matches no filter pattern']);
    expect(log.list().map(r => [r.sequenceNumber, r.outcome])).toEqual([['8', 'filtered'], ['9', 'filtered'], ['10', 'filtered']]);
    const small = new OutcomeLog(2);
    small.add(record(1), 'in-flight');
    small.add(record(2), 'in-flight');
    expect(small.list().map(r => r.outcome)).toEqual(['in-flight', 'in-flight']);
  });

  test('refuses a limit that is not a positive integer', () => {
    expect(() => new OutcomeLog(0)).toThrow('outcomeLimit must be a positive integer, got 0');
  });
});
