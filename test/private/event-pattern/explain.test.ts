import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { explainFilter, explainPattern } from '../../../src/private/event-pattern';
import { DynamoDBStreamRecord } from '../../../src/testing/stream-record';

const fixed = { sequenceNumber: '100', approximateCreationDateTime: 1700000000 };
const item = { id: 'a1', status: 'OPEN', stock: 3 };
const inserted = DynamoDBStreamRecord.insert(item, fixed);
const NUMBER_ADVICE = 'instead, list the numbers as strings for exact values (["5"]), use "anything-but" or "prefix" on the string where they fit '
  + '([{"anything-but": ["0"]}] for not zero, [{"prefix": "-"}] for negative), match a derived attribute that your app writes '
  + '(a BOOL such as "lowStock"), or filter in the enrichment';

describe('explainPattern', () => {
  test('is empty when the record matches', () => {
    expect(explainPattern({ eventName: ['INSERT'], dynamodb: { NewImage: { status: { S: ['OPEN'] } } } }, inserted)).toEqual([]);
  });

  test('hint: a condition without the DynamoDB type key', () => {
    expect(explainPattern({ dynamodb: { NewImage: { status: ['OPEN'] } } }, inserted)).toEqual([
      'dynamodb.NewImage.status: wanted ["OPEN"], the record holds {"S":"OPEN"}; '
        + 'hint: DynamoDB attribute values are typed objects; put the list under the type key: dynamodb.NewImage.status.S',
    ]);
  });

  test('hint: a number where the stream has a string', () => {
    expect(explainPattern({ dynamodb: { NewImage: { stock: { N: [3] } } } }, inserted)).toEqual([
      'dynamodb.NewImage.stock.N: wanted [3], the record holds "3"; hint: DynamoDB numbers are strings in stream records ("3"), '
        + 'and "numeric" and number values match only JSON numbers; write "3" instead of 3',
    ]);
    expect(explainPattern({ dynamodb: { NewImage: { stock: { N: [{ numeric: ['<', 5] }] } } } }, inserted)).toEqual([
      'dynamodb.NewImage.stock.N: wanted [{"numeric":["<",5]}], the record holds "3"; hint: DynamoDB numbers are strings in stream records ("3"), '
        + `and "numeric" and number values match only JSON numbers; ${NUMBER_ADVICE}`,
    ]);
  });

  test('hint: a string where the record holds a number', () => {
    expect(explainPattern({ detail: { amount: ['5'] } }, { detail: { amount: 5 } })).toEqual([
      'detail.amount: wanted ["5"], the record holds 5; hint: the record holds the number 5, and a string never matches a number: write 5 without quotes',
    ]);
  });

  test('hint: insert instead of INSERT', () => {
    expect(explainPattern({ eventName: ['insert'] }, inserted)).toEqual([
      'eventName: wanted ["insert"], the record holds "INSERT"; hint: eventName is upper case in stream records (INSERT, MODIFY, REMOVE): write "INSERT"',
    ]);
  });

  test('hint: other values differing only in case', () => {
    expect(explainPattern({ dynamodb: { NewImage: { status: { S: ['open'] } } } }, inserted)).toEqual([
      'dynamodb.NewImage.status.S: wanted ["open"], the record holds "OPEN"; hint: matching is case-sensitive: write "OPEN", or use {"equals-ignore-case": "open"}',
    ]);
  });

  test('hint: OldImage on an INSERT record, which has none', () => {
    expect(explainPattern({ dynamodb: { OldImage: { status: { S: ['OPEN'] } } } }, inserted)).toEqual([
      'dynamodb.OldImage.status.S: wanted ["OPEN"], the record holds nothing (it has no dynamodb.OldImage); '
        + 'hint: an INSERT record has no OldImage (there is no item before the change): test dynamodb.NewImage, or match MODIFY records',
    ]);
  });

  test('hint: NewImage on a REMOVE record, and an image the stream view type does not carry', () => {
    expect(explainPattern({ dynamodb: { NewImage: { status: { S: ['OPEN'] } } } }, DynamoDBStreamRecord.remove(item, fixed))).toEqual([
      'dynamodb.NewImage.status.S: wanted ["OPEN"], the record holds nothing (it has no dynamodb.NewImage); '
        + 'hint: a REMOVE record has no NewImage (there is no item after the change): test dynamodb.OldImage or dynamodb.Keys',
    ]);
    const modified = DynamoDBStreamRecord.modify(item, item, { ...fixed, streamViewType: dynamodb.StreamViewType.NEW_IMAGE });
    expect(explainPattern({ dynamodb: { OldImage: { status: { S: ['OPEN'] } } } }, modified)).toEqual([
      'dynamodb.OldImage.status.S: wanted ["OPEN"], the record holds nothing (it has no dynamodb.OldImage); '
        + 'hint: the record\'s stream view type is NEW_IMAGE, which carries no OldImage',
    ]);
  });

  test('hint: body (an SQS habit) where the record has dynamodb', () => {
    expect(explainPattern({ body: { status: ['OPEN'] } }, inserted)).toEqual([
      'body.status: wanted ["OPEN"], the record holds nothing (it has no body); hint: a DynamoDB stream record has no "body" '
        + '(SQS messages carry their payload in body, Kinesis records in data, event-bus events in detail); '
        + 'the item is under dynamodb.NewImage, with typed values (e.g. {"dynamodb": {"NewImage": {"status": {"S": ["OPEN"]}}}})',
    ]);
  });

  test('hint: a type key other than the record\'s', () => {
    expect(explainPattern({ dynamodb: { NewImage: { stock: { S: ['3'] } } } }, inserted)).toEqual([
      'dynamodb.NewImage.stock.S: wanted ["3"], the record holds nothing (it has no dynamodb.NewImage.stock.S); '
        + 'hint: the record holds this attribute as N ({"N":"3"}), not S: test dynamodb.NewImage.stock.N',
    ]);
  });

  test('hint: a list on the image itself', () => {
    expect(explainPattern({ dynamodb: { NewImage: ['OPEN'] } }, inserted)).toEqual([
      'dynamodb.NewImage: wanted ["OPEN"], the record holds {"id":{"S":"a1"},"status":{"S":"OPEN"},"stock":{"N":"3"}}; '
        + 'hint: NewImage holds attributes, each a typed value: test one, e.g. dynamodb.NewImage.id.S',
    ]);
  });

  test('one entry per failing field, and none for the fields that match', () => {
    expect(explainPattern({ eventName: ['MODIFY'], dynamodb: { NewImage: { status: { S: ['OPEN'] }, stock: { N: ['4', '5'] } } } }, inserted)).toEqual([
      'dynamodb.NewImage.stock.N: wanted ["4","5"], the record holds "3"',
      'eventName: wanted ["MODIFY"], the record holds "INSERT"',
    ]);
  });

  test('$or: the failing fields of every alternative, named by their branch', () => {
    expect(explainPattern({ $or: [{ eventName: ['REMOVE'] }, { dynamodb: { NewImage: { status: { S: [{ exists: false }] } } } }] }, inserted)).toEqual([
      '$or[0].eventName: wanted ["REMOVE"], the record holds "INSERT"',
      '$or[1].dynamodb.NewImage.status.S: wanted [{"exists":false}], the record holds "OPEN"',
    ]);
  });

  test('fields that match only in different elements of an array', () => {
    const pattern = { items: { type: ['book'], price: [{ numeric: ['<', 10] }] } };
    expect(explainPattern(pattern, { items: [{ type: 'book', price: 50 }, { type: 'pen', price: 5 }] })).toEqual([
      'pattern: each field matches on its own, but not within one element of an array (all fields matched inside an array of objects must come from the same element)',
    ]);
  });

  test('throws on an invalid pattern, as matching does', () => {
    expect(() => explainPattern({ a: 'x' }, {})).toThrow('Invalid event pattern: a: must be an array of match values or an object, got a string');
  });
});

describe('explainFilter', () => {
  const patterns = [JSON.stringify({ eventName: ['MODIFY'] }), JSON.stringify({ dynamodb: { NewImage: { status: { S: ['CLOSED'] } } } })];

  test('explains every pattern, saying which one each entry is about', () => {
    expect(explainFilter(patterns, inserted)).toEqual([
      'filters[0] (pattern 1 of 2): eventName: wanted ["MODIFY"], the record holds "INSERT"',
      'filters[1] (pattern 2 of 2): dynamodb.NewImage.status.S: wanted ["CLOSED"], the record holds "OPEN"',
    ]);
    expect(explainFilter([patterns[0]], inserted)).toEqual(['filters[0]: eventName: wanted ["MODIFY"], the record holds "INSERT"']);
  });

  test('is empty when any pattern matches, or when there is none', () => {
    expect(explainFilter([...patterns, JSON.stringify({ eventName: ['INSERT'] })], inserted)).toEqual([]);
    expect(explainFilter([], inserted)).toEqual([]);
  });

  test('throws on an invalid pattern, naming it', () => {
    expect(() => explainFilter([patterns[0], '{"b": "x"}'], inserted))
      .toThrow('Invalid event pattern: filters[1]: b: must be an array of match values or an object, got a string');
  });
});

test('hint: a field of a map attribute without "M"', () => {
  const booking = DynamoDBStreamRecord.insert({ id: 'a1', appointment: { date: '2026-12-01' } }, fixed);
  expect(explainPattern({ dynamodb: { NewImage: { appointment: { date: { S: [{ prefix: '2026-12' }] } } } } }, booking)).toEqual([
    'dynamodb.NewImage.appointment.date.S: wanted [{"prefix":"2026-12"}], the record holds nothing (it has no dynamodb.NewImage.appointment.date); '
      + 'hint: this attribute is a map ({"M": {...}}): its attributes are under "M" (e.g. dynamodb.NewImage.appointment.M.date.S)',
  ]);
});
