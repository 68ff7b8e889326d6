import { StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import { handler } from '../examples/enrichment-handler/handler';
import { testing } from 'cdk-enriched-stream-to-queue';

const { DynamoDBStreamRecord } = testing;

describe('the sample enrichment handler', () => {
  test('returns one message per record, in the batch\'s order, with the keys and new image as plain JSON', async () => {
    const batch = ['c', 'a', 'b'].map((id) => DynamoDBStreamRecord.insert({ id, count: 2 }, { streamViewType: StreamViewType.NEW_IMAGE }));

    await expect(handler(batch)).resolves.toEqual(['c', 'a', 'b'].map((id) => ({ eventName: 'INSERT', keys: { id }, item: { id, count: 2 } })));
  });

  test('a REMOVE record keeps its place with item: null', async () => {
    const result = await handler([DynamoDBStreamRecord.insert({ id: '1' }), DynamoDBStreamRecord.remove({ id: '2', count: 1 })]);

    expect(result).toEqual([
      { eventName: 'INSERT', keys: { id: '1' }, item: { id: '1' } },
      { eventName: 'REMOVE', keys: { id: '2' }, item: null },
    ]);
  });

  test('a number too large for JavaScript reaches the message as its exact decimal string', async () => {
    const record = DynamoDBStreamRecord.insert({ id: '1' });
    record.dynamodb.NewImage.big = { N: '9007199254740993' };

    const [message] = await handler([record]);

    expect(JSON.parse(JSON.stringify(message)).item.big).toBe('9007199254740993');
  });

  test('a batch of 11 is refused, naming the SQS limit', async () => {
    const records = Array.from({ length: 11 }, (_, i) => DynamoDBStreamRecord.insert({ id: String(i) }));

    await expect(handler(records)).rejects.toThrow('perRecord: the batch holds 11 records, one message each, but an SQS target takes at most 10 per batch');
  });
});
