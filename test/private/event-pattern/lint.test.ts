import { lintPattern, matchesPattern } from '../../../src/private/event-pattern';
import { DynamoDBStreamRecord } from '../../../src/testing/stream-record';

const NUMBER_ADVICE = 'instead, list the numbers as strings for exact values (["5"]), use "anything-but" or "prefix" on the string where they fit '
  + '([{"anything-but": ["0"]}] for not zero, [{"prefix": "-"}] for negative), match a derived attribute that your app writes '
  + '(a BOOL such as "lowStock"), or filter in the enrichment';

/** Records a lint finding must agree with: what the pattern says never matches does not match them. */
const item = { id: 'a1', status: 'OPEN', stock: 3, email: 'ada@example.com', paid: true, tags: ['x'], address: { city: 'Oslo' } };
const records = [
  DynamoDBStreamRecord.insert(item),
  DynamoDBStreamRecord.modify(item, { ...item, stock: 2 }),
  DynamoDBStreamRecord.remove(item),
  DynamoDBStreamRecord.insert({ id: 'b2' }),
];

describe('lintPattern: what never matches as a whole', () => {
  test.each([
    ['numeric on an N value', { dynamodb: { NewImage: { stock: { N: [{ numeric: ['<', 5] }] } } } }, [{
      path: 'dynamodb.NewImage.stock.N',
      message: '{"numeric":["<",5]} never matches: DynamoDB numbers are strings in stream records (e.g. "42"), and "numeric" and number values '
        + `match only JSON numbers; ${NUMBER_ADVICE}`,
    }]],
    ['numbers on an N value', { dynamodb: { NewImage: { stock: { N: [3, 4] } } } }, [{
      path: 'dynamodb.NewImage.stock.N',
      message: '3, 4 never match: DynamoDB numbers are strings in stream records (e.g. "42"), and "numeric" and number values '
        + `match only JSON numbers; ${NUMBER_ADVICE}`,
    }]],
    ['a condition without the type key', { dynamodb: { NewImage: { status: ['OPEN'] } } }, [{
      path: 'dynamodb.NewImage.status',
      message: 'never matches: DynamoDB attribute values are typed objects such as {"S": ...}; put the match list under the type key (e.g. dynamodb.NewImage.status.S)',
    }]],
    ['exists true without the type key', { dynamodb: { NewImage: { email: [{ exists: true }] } } }, [{
      path: 'dynamodb.NewImage.email',
      message: 'never matches: DynamoDB attribute values are typed objects such as {"S": ...}; put the match list under the type key (e.g. dynamodb.NewImage.email.S)',
    }]],
    ['a match list on the image itself', { dynamodb: { Keys: ['a1'] } }, [{
      path: 'dynamodb.Keys',
      message: 'never matches: Keys holds attributes, not values; test an attribute\'s typed value (e.g. dynamodb.Keys.id.S)',
    }]],
    ['a type key in lower case', { dynamodb: { NewImage: { status: { s: ['OPEN'] } } } }, [{
      path: 'dynamodb.NewImage.status.s',
      message: 'never matches: "s" is not a DynamoDB type key (S, N, B, BOOL, NULL, M, L, SS, NS, BS); write "S"',
    }]],
    ['a field of a map attribute without "M"', { dynamodb: { NewImage: { address: { city: { S: ['Oslo'] } } } } }, [{
      path: 'dynamodb.NewImage.address.city.S',
      message: 'never matches: "city" is not a DynamoDB type key (S, N, B, BOOL, NULL, M, L, SS, NS, BS); '
        + 'a map\'s attributes are under "M" (e.g. dynamodb.NewImage.address.M.city.S)',
    }]],
    ['a list on an M value', { dynamodb: { NewImage: { address: { M: [{ exists: true }] } } } }, [{
      path: 'dynamodb.NewImage.address.M',
      message: 'never matches: DynamoDB "M" values hold no leaf value for this list to test; test a typed value inside (e.g. dynamodb.NewImage.address.M.name.S)',
    }]],
    ['a field of a scalar', { dynamodb: { NewImage: { status: { S: { first: ['x'] } } } } }, [{
      path: 'dynamodb.NewImage.status.S.first',
      message: 'never matches: a DynamoDB "S" value has no fields',
    }]],
    ['a string on a BOOL value', { dynamodb: { NewImage: { paid: { BOOL: ['true'] } } } }, [{
      path: 'dynamodb.NewImage.paid.BOOL',
      message: '"true" never matches: "BOOL" values are true or false in stream records, so strings and string operators never match them',
    }]],
    ['a boolean on an S value', { dynamodb: { NewImage: { status: { S: [true] } } } }, [{
      path: 'dynamodb.NewImage.status.S',
      message: 'true never matches: "S" values are strings in stream records, so true and false never match them',
    }]],
    ['null in an image', { dynamodb: { NewImage: { status: { NULL: [null] } } } }, [{
      path: 'dynamodb.NewImage.status.NULL',
      message: 'null never matches: stream records hold no null value (a DynamoDB null is {"NULL": true})',
    }]],
    ['eventName in lower case', { eventName: ['insert'] }, [{
      path: 'eventName',
      message: '"insert" never matches: eventName is upper case in stream records (INSERT, MODIFY, REMOVE); write "INSERT"',
    }]],
    ['an eventName DynamoDB does not have', { eventName: ['UPDATE'] }, [{
      path: 'eventName',
      message: '"UPDATE" never matches: eventName is one of INSERT, MODIFY, REMOVE',
    }]],
    ['an OldImage test where only INSERT records pass', { eventName: ['INSERT'], dynamodb: { OldImage: { status: { S: ['OPEN'] } } } }, [{
      path: 'dynamodb.OldImage.status.S',
      message: 'never matches: only INSERT records reach this test (eventName), and an INSERT record has no item before the change, so no OldImage',
    }]],
    ['a NewImage test where only REMOVE records pass', { eventName: ['REMOVE'], dynamodb: { NewImage: { status: { S: ['OPEN'] } } } }, [{
      path: 'dynamodb.NewImage.status.S',
      message: 'never matches: only REMOVE records reach this test (eventName), and a REMOVE record has no item after the change, so no NewImage',
    }]],
  ])('%s', (_name, pattern, findings) => {
    expect(lintPattern(pattern)).toEqual(findings.map(f => ({ ...f, severity: 'never-matches' })));
    for (const record of records) {
      expect(matchesPattern(pattern, record)).toBe(false);
    }
  });
});

describe('lintPattern: dead parts of a pattern that can still match', () => {
  test('numeric beside an anything-but on an N value: the anything-but can match (issue 15)', () => {
    const pattern = { dynamodb: { NewImage: { stock: { N: [{ numeric: ['<', 5] }, { 'anything-but': ['0'] }] } } } };
    expect(lintPattern(pattern)).toEqual([{
      path: 'dynamodb.NewImage.stock.N',
      message: '{"numeric":["<",5]} never matches: DynamoDB numbers are strings in stream records (e.g. "42"), and "numeric" and number values '
        + `match only JSON numbers; ${NUMBER_ADVICE}`,
      severity: 'dead-alternative',
    }]);
    expect(matchesPattern(pattern, records[0])).toBe(true);
  });

  test('{"exists": false} without the type key always holds (issue 15)', () => {
    const pattern = { eventName: ['INSERT'], dynamodb: { NewImage: { email: [{ exists: false }] } } };
    expect(lintPattern(pattern)).toEqual([{
      path: 'dynamodb.NewImage.email',
      message: '{"exists": false} always holds: DynamoDB attribute values are typed objects such as {"S": ...}; '
        + 'put the match list under the type key (e.g. dynamodb.NewImage.email.S)',
      severity: 'dead-alternative',
    }]);
    // It holds even though the record has an email: the test is on an object, not on the value.
    expect(matchesPattern(pattern, records[0])).toBe(true);
  });

  test('a dead $or alternative beside one that can match', () => {
    const pattern = { $or: [{ eventName: ['INSERT'] }, { dynamodb: { NewImage: { stock: { N: [{ numeric: ['>', 0] }] } } } }] };
    expect(lintPattern(pattern)).toEqual([{
      path: '$or[1].dynamodb.NewImage.stock.N',
      message: '{"numeric":[">",0]} never matches: DynamoDB numbers are strings in stream records (e.g. "42"), and "numeric" and number values '
        + `match only JSON numbers; ${NUMBER_ADVICE}`,
      severity: 'dead-alternative',
    }]);
  });

  test('an eventName list with one value in the wrong case', () => {
    expect(lintPattern({ eventName: ['INSERT', 'modify'] })).toEqual([{
      path: 'eventName',
      message: '"modify" never matches: eventName is upper case in stream records (INSERT, MODIFY, REMOVE); write "MODIFY"',
      severity: 'dead-alternative',
    }]);
  });

  test('an anything-but of numbers on an N value excludes nothing', () => {
    expect(lintPattern({ dynamodb: { NewImage: { stock: { N: [{ 'anything-but': [0, 1] }] } } } })).toEqual([{
      path: 'dynamodb.NewImage.stock.N',
      message: '{"anything-but":[0,1]} excludes nothing: "N" values are strings in stream records, so every present value passes; write {"anything-but":["0","1"]}',
      severity: 'dead-alternative',
    }]);
    expect(matchesPattern({ dynamodb: { NewImage: { stock: { N: [{ 'anything-but': [3] }] } } } }, records[0])).toBe(true);
  });

  test('an OldImage {"exists": false} where only INSERT records pass always holds', () => {
    expect(lintPattern({ eventName: ['INSERT'], dynamodb: { OldImage: { status: { S: [{ exists: false }] } } } })).toEqual([{
      path: 'dynamodb.OldImage.status.S',
      message: '{"exists": false} always holds: only INSERT records reach this test (eventName), and an INSERT record has no item before the change, so no OldImage',
      severity: 'dead-alternative',
    }]);
  });
});

describe('lintPattern with what the construct knows about the table', () => {
  const keySchema = [{ name: 'pk', type: 'S' }, { name: 'sk', type: 'N' }];

  test('a type key that contradicts the key schema', () => {
    expect(lintPattern({ dynamodb: { Keys: { sk: { S: ['1'] } } } }, { keySchema })).toEqual([{
      path: 'dynamodb.Keys.sk.S',
      message: 'never matches: "sk" is a key attribute of type N (the table\'s key schema), so its value is never under "S"',
      severity: 'never-matches',
    }]);
    expect(lintPattern({ dynamodb: { NewImage: { pk: { N: ['1'] } } } }, { keySchema })).toEqual([{
      path: 'dynamodb.NewImage.pk.N',
      message: 'never matches: "pk" is a key attribute of type S (the table\'s key schema), so its value is never under "N"',
      severity: 'never-matches',
    }]);
  });

  test('Keys holds only key attributes', () => {
    expect(lintPattern({ dynamodb: { Keys: { status: { S: ['x'] } } } }, { keySchema })).toEqual([{
      path: 'dynamodb.Keys.status.S',
      message: 'never matches: Keys holds only the table\'s key attributes (pk, sk), and "status" is not one of them',
      severity: 'never-matches',
    }]);
  });

  test('a key attribute without its type key names the right type', () => {
    expect(lintPattern({ dynamodb: { Keys: { sk: ['1'] } } }, { keySchema })[0].message)
      .toBe('never matches: DynamoDB attribute values are typed objects such as {"N": ...}; put the match list under the type key (e.g. dynamodb.Keys.sk.N)');
  });

  test('an image the stream view type does not carry', () => {
    expect(lintPattern({ dynamodb: { OldImage: { status: { S: ['x'] } } } }, { streamViewType: 'NEW_IMAGE' })).toEqual([{
      path: 'dynamodb.OldImage.status.S',
      message: 'never matches: the table\'s stream view type is NEW_IMAGE, so its records carry no OldImage; stream OLD_IMAGE or NEW_AND_OLD_IMAGES, or test another part of the record',
      severity: 'never-matches',
    }]);
    expect(lintPattern({ dynamodb: { OldImage: { status: { S: ['x'] } } } }, { streamViewType: 'NEW_AND_OLD_IMAGES' })).toEqual([]);
  });
});

describe('lintPattern finds nothing in what works', () => {
  test.each([
    [{ eventName: ['INSERT', 'MODIFY'] }],
    [{ eventName: [{ prefix: 'INS' }] }],
    [{ dynamodb: { NewImage: { status: { S: ['OPEN', { prefix: 'CL' }] }, stock: { N: ['3', { 'anything-but': ['0'] }] } } } }],
    [{ dynamodb: { NewImage: { paid: { BOOL: [true] }, gone: { NULL: [true] }, email: { S: [{ exists: false }] } } } }],
    [{ dynamodb: { NewImage: { address: { M: { city: { S: ['Oslo'] } } }, tags: { L: { S: ['x'] } } } } }],
    [{ eventName: ['MODIFY'], dynamodb: { OldImage: { status: { S: ['OPEN'] } } } }],
    [{ detail: { amount: [{ numeric: ['>', 5] }] } }],
  ])('%j', (pattern) => {
    expect(lintPattern(pattern)).toEqual([]);
    expect(lintPattern(JSON.stringify(pattern))).toEqual([]);
  });

  test('an invalid pattern has no findings, and lintPattern does not throw', () => {
    expect(lintPattern('{"a": [')).toEqual([]);
    expect(lintPattern({ eventName: 'insert' })).toEqual([]);
  });
});
