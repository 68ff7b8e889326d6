// A booking the enrichment cannot turn into a reminder is retried, then described on the source
// dead-letter queue: no record is lost, and none reaches the reminder queue.
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { receiveAll, runLocallyForThisFile } from './local';

// Local retries 20 ms apart, so that the batch exhausts its retries within the test.
const run = runLocallyForThisFile({ retryDelayMs: 20 });

test('a booking without a patient ends on the source dead-letter queue after its retries', async () => {
  const pipe = run.local.pipe();
  await run.db.send(new PutItemCommand({ TableName: pipe.tableName, Item: { id: { S: 'b1' }, at: { S: '2026-12-10T09:30' } } }));
  await run.local.idle();

  expect(await receiveAll(pipe.queueUrl!)).toEqual([]);
  const [deadLettered, ...more] = await receiveAll(pipe.sourceDeadLetterQueueUrl!);
  expect(more).toEqual([]);
  expect(deadLettered).toMatchObject({ context: { condition: 'RetryAttemptsExhausted' }, DDBStreamBatchInfo: { batchSize: 1 } });
  const [record] = pipe.records();
  expect(record.outcome).toBe('dead-lettered');
  expect(record.reason?.join('\n')).toContain('appointment b1 has no patient or time');
  // The first attempt and the construct's default of 3 retries.
  expect(pipe.stats().enrichmentInvocations).toBe(4);
}, 60_000);
