import {
  attributeToJson,
  createEnrichmentHandler,
  handler,
  imageToJson,
  numberToJson,
  type StreamItem,
} from '../examples/enrichment-handler/handler';

/** A stream record in the shape the pipe hands to the enrichment (the Lambda DynamoDB record). */
function record(id: string, newImage?: Record<string, unknown>, eventName = 'INSERT') {
  return {
    eventID: `event-${id}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:111111111111:table/t/stream/2026-01-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: 1767225600,
      Keys: { id: { S: id } },
      ...(newImage ? { NewImage: newImage } : {}),
      SequenceNumber: '100',
      SizeBytes: 10,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

describe('the sample handler', () => {
  test('returns one item per record, in the same order, with the keys and new image as plain JSON', async () => {
    const batch = ['c', 'a', 'b'].map((id) => record(id, { id: { S: id }, count: { N: '2' } }));

    const result = await handler(batch);

    expect(result).toEqual(['c', 'a', 'b'].map((id) => ({ eventName: 'INSERT', keys: { id }, item: { id, count: 2 } })));
  });

  test('a record without a new image (REMOVE) keeps its place with item: null', async () => {
    const result = await handler([record('1', { id: { S: '1' } }), record('2', undefined, 'REMOVE')]);

    expect(result).toEqual([
      { eventName: 'INSERT', keys: { id: '1' }, item: { id: '1' } },
      { eventName: 'REMOVE', keys: { id: '2' }, item: null },
    ]);
  });

  test('an empty batch gives an empty array', async () => {
    await expect(handler([])).resolves.toEqual([]);
  });

  test('a batch of 10 is accepted and one of 11 throws, naming the SQS limit', async () => {
    const records = Array.from({ length: 11 }, (_, i) => record(String(i), { id: { S: String(i) } }));

    await expect(handler(records.slice(0, 10))).resolves.toHaveLength(10);
    await expect(handler(records)).rejects.toThrow(
      "The batch holds 11 records; an SQS target accepts at most 10: set the pipe's batch size to 10 or less",
    );
  });

  test.each([
    ['a single record instead of an array', record('1', { id: { S: '1' } }), "The enrichment expects the pipe's batch: a JSON array of stream records"],
    ['an array holding something else', [{ hello: 'world' }], 'Record 0 is not a DynamoDB stream record (it has no dynamodb.Keys)'],
    ['an attribute with an unknown type', [record('1', { id: { S: '1' }, x: { DATE: '2026' } })], "records[0].NewImage.x has an unknown DynamoDB type 'DATE'"],
  ])('input that is not a stream batch (%s) throws', async (_what, event, message) => {
    await expect(handler(event)).rejects.toThrow(message);
  });
});

describe('failures make the pipe retry: they throw and are never returned as data', () => {
  test('an error in the lookups rejects the invocation with that error', async () => {
    const failure = new Error('lookup service unavailable');
    const failing = createEnrichmentHandler(async () => { throw failure; });

    await expect(failing([record('1', { id: { S: '1' } })])).rejects.toBe(failure);
  });

  test.each([
    ['fewer items than records (it would drop records silently)', (items: StreamItem[]) => items.slice(1), 'enrichItems returned 1 items for 2 records'],
    ['more items than records', (items: StreamItem[]) => [...items, ...items], 'enrichItems returned 4 items for 2 records'],
    ['no array', () => ({}) as unknown as StreamItem[], 'enrichItems returned no array of items for 2 records'],
  ])('lookups that return %s throw', async (_what, enrich, message) => {
    const broken = createEnrichmentHandler(async (items) => enrich(items));

    await expect(broken([record('1', { id: { S: '1' } }), record('2', { id: { S: '2' } })])).rejects.toThrow(message);
  });
});

describe('unmarshalling keeps every DynamoDB value as JSON', () => {
  test.each([
    ['0', 0],
    ['-17', -17],
    ['9007199254740991', 9007199254740991], // 2^53 - 1, the largest safe integer
    ['9007199254740992', '9007199254740992'], // 2^53: no longer exact
    ['9007199254740993', '9007199254740993'],
    ['-9007199254740993', '-9007199254740993'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'], // 38 digits
    ['3.14', 3.14],
    ['0.000001', 0.000001],
    ['123456789012.345', 123456789012.345], // 15 significant digits
    ['1234567890123.4567', '1234567890123.4567'], // 17 significant digits
    ['1E-130', 1e-130],
    ['9.9999999999999999999999999999999999999E+125', '9.9999999999999999999999999999999999999E+125'],
  ])('the number %s becomes %p', (value, expected) => {
    expect(numberToJson(value)).toBe(expected);
  });

  test('a value that is not a number throws', () => {
    expect(() => numberToJson('abc')).toThrow('Not a DynamoDB number: "abc"');
  });

  test('every attribute type: scalars, null, booleans, binaries, lists, maps and the three sets', () => {
    const image = {
      s: { S: 'text' },
      n: { N: '42' },
      big: { N: '18446744073709551616' },
      b: { B: 'AAEC' },
      bool: { BOOL: false },
      nul: { NULL: true },
      l: { L: [{ S: 'x' }, { N: '1' }, { L: [] }] },
      m: { M: { nested: { M: { deep: { SS: ['a'] } } } } },
      ss: { SS: ['red', 'green'] },
      ns: { NS: ['1', '2.5', '9007199254740993'] },
      bs: { BS: ['AA==', 'AQ=='] },
    };

    const json = imageToJson(image);

    expect(json).toEqual({
      s: 'text',
      n: 42,
      big: '18446744073709551616',
      b: 'AAEC',
      bool: false,
      nul: null,
      l: ['x', 1, []],
      m: { nested: { deep: ['a'] } },
      ss: ['red', 'green'],
      ns: [1, 2.5, '9007199254740993'],
      bs: ['AA==', 'AQ=='],
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  test('a value with no type, or two, throws naming its path', () => {
    expect(() => attributeToJson({}, 'x')).toThrow('x is not a DynamoDB attribute value (it needs exactly one type)');
    expect(() => imageToJson({ a: { S: 'x', N: '1' } })).toThrow('image.a is not a DynamoDB attribute value (it needs exactly one type)');
  });
});
