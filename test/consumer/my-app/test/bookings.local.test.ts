// A booked appointment becomes one reminder on the queue; its update never reaches the enrichment.
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { receiveAll, runLocallyForThisFile } from './local';

const run = runLocallyForThisFile();

test('a booking arrives as a reminder; its update is filtered, and the pipe says why', async () => {
  const pipe = run.local.pipe();
  await run.db.send(new PutItemCommand({
    TableName: pipe.tableName,
    Item: { id: { S: 'a1' }, patient: { S: 'ada@example.com' }, at: { S: '2026-12-10T09:30' } },
  }));
  await run.db.send(new UpdateItemCommand({
    TableName: pipe.tableName,
    Key: { id: { S: 'a1' } },
    UpdateExpression: 'SET #at = :at',
    ExpressionAttributeNames: { '#at': 'at' },
    ExpressionAttributeValues: { ':at': { S: '2026-12-11T09:30' } },
  }));
  await run.local.idle();

  expect(await receiveAll(pipe.queueUrl!)).toEqual([{ appointmentId: 'a1', patient: 'ada@example.com', remindOn: '2026-12-10' }]);
  expect(pipe.records().map(({ eventName, outcome, reason }) => ({ eventName, outcome, reason }))).toEqual([
    { eventName: 'INSERT', outcome: 'delivered', reason: undefined },
    { eventName: 'MODIFY', outcome: 'filtered', reason: ['filters[0]: eventName: wanted ["INSERT"], the record holds "MODIFY"'] },
  ]);
  expect(pipe.stats().enrichmentInvocations).toBe(1);
}, 60_000);
