// Thirty bookings written in two batches: each becomes exactly one reminder.
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { receiveAll, runLocallyForThisFile } from './local';

const run = runLocallyForThisFile();

test('thirty bookings, thirty reminders', async () => {
  const pipe = run.local.pipe();
  const ids = Array.from({ length: 30 }, (_, index) => `c${index}`);
  for (const chunk of [ids.slice(0, 25), ids.slice(25)]) {
    await run.db.send(new BatchWriteItemCommand({
      RequestItems: {
        [pipe.tableName!]: chunk.map((id) => ({
          PutRequest: { Item: { id: { S: id }, patient: { S: `${id}@example.com` }, at: { S: '2026-12-10T09:30' } } },
        })),
      },
    }));
  }
  await run.local.idle();

  const reminders = await receiveAll(pipe.queueUrl!);
  expect(reminders.map((reminder) => reminder.appointmentId).sort()).toEqual([...ids].sort());
  expect(pipe.stats()).toMatchObject({ recordsRead: 30, recordsDelivered: 30, messagesSent: 30, batchesDeadLettered: 0 });
}, 60_000);
