import { StreamViewType } from 'aws-cdk-lib/aws-dynamodb';
import { testing } from 'cdk-enriched-stream-to-queue';
import {
  EnrichmentError,
  type EnrichmentRecord,
  MAX_RESULTS,
  parseBatch,
  perBatch,
  perRecord,
  SKIP,
  unmarshallImage,
} from 'cdk-enriched-stream-to-queue/enrichment';

const { DynamoDBStreamRecord } = testing;

/** The record of a new item, as the pipe delivers it (NEW_AND_OLD_IMAGES unless told). */
function insert(item: Record<string, unknown>, streamViewType = StreamViewType.NEW_AND_OLD_IMAGES) {
  return DynamoDBStreamRecord.insert(item, { streamViewType, sequenceNumber: '100', approximateCreationDateTime: 1767225600 });
}

/** A record written by hand in the pipe's JSON, for attribute values an item literal cannot express. */
function rawRecord(newImage: Record<string, unknown>, eventID = 'raw-1') {
  return {
    eventID,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    eventSourceARN: 'arn:aws:dynamodb:eu-west-1:111111111111:table/T/stream/2026-01-01T00:00:00.000',
    dynamodb: { Keys: { id: { S: 'k' } }, NewImage: newImage, SequenceNumber: '1', SizeBytes: 10, StreamViewType: 'NEW_IMAGE' },
  };
}

function batch(count: number) {
  return Array.from({ length: count }, (_, i) => insert({ id: `id-${i}`, n: i }));
}

async function rejection(promise: Promise<unknown>): Promise<EnrichmentError> {
  try {
    await promise;
  } catch (error) {
    return error as EnrichmentError;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): EnrichmentError {
  try {
    fn();
  } catch (error) {
    return error as EnrichmentError;
  }
  throw new Error('expected an error');
}

describe('parseBatch: the pipe\'s batch, record by record', () => {
  test('gives each record its keys and images as plain JSON, its metadata, and the record as sent', () => {
    const before = { id: 'a1', status: 'OPEN', count: 1 };
    const after = { id: 'a1', status: 'DONE', count: 2 };
    const modify = DynamoDBStreamRecord.modify(before, after, { eventSourceArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/T/stream/x', sequenceNumber: '7', approximateCreationDateTime: 1767225600 });

    const [record] = parseBatch([modify]);

    expect(record).toEqual({
      eventID: modify.eventID,
      eventName: 'MODIFY',
      keys: { id: 'a1' },
      newImage: after,
      oldImage: before,
      sequenceNumber: '7',
      approximateCreationDateTime: 1767225600,
      eventSourceARN: 'arn:aws:dynamodb:eu-west-1:111111111111:table/T/stream/x',
      awsRegion: 'eu-west-1',
      raw: modify,
    });
    expect(record.raw).toBe(modify);
  });

  test('an image the record does not carry is absent: REMOVE has no new image, KEYS_ONLY no image at all', () => {
    const [removed, keysOnly] = parseBatch([
      DynamoDBStreamRecord.remove({ id: 'r1', x: 1 }),
      insert({ id: 'k1', x: 1 }, StreamViewType.KEYS_ONLY),
    ]);

    expect(removed).not.toHaveProperty('newImage');
    expect(removed.oldImage).toEqual({ id: 'r1', x: 1 });
    expect(keysOnly).not.toHaveProperty('newImage');
    expect(keysOnly).not.toHaveProperty('oldImage');
    expect(keysOnly.keys).toEqual({ id: 'k1' });
  });

  test.each([
    ['Lambda\'s event source mapping event', { Records: [insert({ id: '1' })] },
      'The enrichment expects the pipe\'s batch, a JSON array of DynamoDB stream records, got an object with "Records": that is the event of a Lambda event source mapping; a pipe sends the bare array'],
    ['a single record', insert({ id: '1' }), 'The enrichment expects the pipe\'s batch, a JSON array of DynamoDB stream records, got an object'],
    ['null', null, 'The enrichment expects the pipe\'s batch, a JSON array of DynamoDB stream records, got null'],
    ['nothing', undefined, 'The enrichment expects the pipe\'s batch, a JSON array of DynamoDB stream records, got undefined'],
    ['a string', '[]', 'The enrichment expects the pipe\'s batch, a JSON array of DynamoDB stream records, got a string'],
  ])('refuses what is not a batch (%s)', (_what, event, message) => {
    const error = thrown(() => parseBatch(event));

    expect(error).toBeInstanceOf(EnrichmentError);
    expect(error.message).toBe(message);
  });

  test.each([
    ['not an object', 'text', 'records[1] is not a DynamoDB stream record: expected an object, got a string'],
    ['no eventID', { ...insert({ id: 'x' }), eventID: undefined }, 'records[1].eventID must be a non-empty string, got undefined'],
    ['an eventName in the wrong case', { ...insert({ id: 'x' }), eventName: 'insert' }, 'records[1].eventName must be INSERT, MODIFY or REMOVE, got "insert"'],
    ['no dynamodb object (another source, or an input transformation)', { eventID: 'e', eventName: 'INSERT', body: '{}' },
      'records[1] has no "dynamodb" object: the kit takes DynamoDB stream records as the pipe\'s source sends them (is the source a DynamoDB stream, and the enrichment without an input transformation?)'],
    ['no Keys', { eventID: 'e', eventName: 'INSERT', dynamodb: { NewImage: {} } }, 'records[1].dynamodb.Keys must be an object of attribute values, got undefined'],
    ['a NewImage that is not a map', { eventID: 'e', eventName: 'INSERT', dynamodb: { Keys: {}, NewImage: 'x' } }, 'records[1].dynamodb.NewImage must be an object of attribute values, got a string'],
  ])('refuses a record with %s, naming it', (_what, bad, message) => {
    const error = thrown(() => parseBatch([insert({ id: 'ok' }), bad]));

    expect(error).toBeInstanceOf(EnrichmentError);
    expect(error.message).toBe(message);
    expect(error.recordIndex).toBe(1);
  });

  test.each([
    ['an unknown type key', { x: { DATE: '2026-01-01' } }, 'records[0].dynamodb.NewImage.x has the unknown DynamoDB type key "DATE": the type keys are S, N, B, BOOL, NULL, M, L, SS, NS or BS'],
    ['two type keys', { x: { S: 'a', N: '1' } }, 'records[0].dynamodb.NewImage.x is not a DynamoDB attribute value: it must have exactly one type key (S, N, B, BOOL, NULL, M, L, SS, NS or BS), it has 2'],
    ['a plain value', { x: 'secret@example.com' }, 'records[0].dynamodb.NewImage.x is not a DynamoDB attribute value: expected an object with one type key (S, N, B, BOOL, NULL, M, L, SS, NS or BS), got a string'],
    ['a number that is not a decimal', { x: { M: { y: { N: 'secret' } } } }, 'records[0].dynamodb.NewImage.x.y is not a DynamoDB number: an N value is a string holding a decimal number'],
    ['a number set with a bad element', { x: { NS: ['1', 'two'] } }, 'records[0].dynamodb.NewImage.x[1] is not a DynamoDB number: an N value is a string holding a decimal number'],
    ['a string set that is not an array of strings', { x: { SS: 'secret' } }, 'records[0].dynamodb.NewImage.x is not a valid SS value: it must be an array of strings'],
    ['a BOOL that is not a boolean', { x: { BOOL: 'true' } }, 'records[0].dynamodb.NewImage.x is not a valid BOOL value: it must be true or false'],
    ['an S that is not a string', { x: { L: [{ S: 42 }] } }, 'records[0].dynamodb.NewImage.x[0] is not a valid S value: it must be a string'],
  ])('refuses an attribute with %s, naming its path but never its value', (_what, image, message) => {
    const error = thrown(() => parseBatch([rawRecord(image, 'e-9')]));

    expect(error.message).toBe(message);
    expect(error.message).not.toContain('secret');
    expect(error).toMatchObject({ recordIndex: 0, eventID: 'e-9' });
  });
});

describe('unmarshalling keeps every value', () => {
  test.each([
    ['0', 0],
    ['-17', -17],
    ['9007199254740991', 9007199254740991], // 2^53 - 1, the largest safe integer
    ['9007199254740992', '9007199254740992'], // 2^53: a JavaScript reader could not tell it from 2^53 + 1
    ['9007199254740993', '9007199254740993'],
    ['-9007199254740993', '-9007199254740993'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'], // 38 digits
    ['3.14', 3.14],
    ['0.1', 0.1],
    ['0.000001', 0.000001],
    ['123456789012.345', 123456789012.345],
    ['0.30000000000000001', '0.30000000000000001'], // a double reads it as 0.3
    ['1234567890123.45678', '1234567890123.45678'],
    ['1.5E+3', 1500],
    ['1E-130', 1e-130], // DynamoDB's smallest positive number
    ['9.9999999999999999999999999999999999999E+125', '9.9999999999999999999999999999999999999E+125'], // its largest
  ])('the number %s becomes %p', (text, expected) => {
    expect(unmarshallImage({ n: { N: text } }).n).toBe(expected);
    expect(unmarshallImage({ n: { NS: [text] } }).n).toEqual([expected]);
  });

  test("numbers: 'string' keeps every number as its decimal string, so that a field has one type", () => {
    expect(unmarshallImage({ a: { N: '42' }, b: { NS: ['1', '9007199254740993'] } }, { numbers: 'string' })).toEqual({ a: '42', b: ['1', '9007199254740993'] });
  });

  test('every attribute type becomes JSON that survives JSON.stringify: sets become arrays, binary stays base64', () => {
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
    const expected = {
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
    };

    const [record] = parseBatch([rawRecord(image)]);

    expect(record.newImage).toEqual(expected);
    expect(JSON.parse(JSON.stringify(record.newImage))).toEqual(expected);
  });

  test('sets and binary made by the testing helper from a Set and a Uint8Array come back as arrays and base64', () => {
    const [record] = parseBatch([insert({ id: 's1', tags: new Set(['a', 'b']), sizes: new Set([1, 2]), blob: new Uint8Array([0, 1, 2]) })]);

    expect(record.newImage).toEqual({ id: 's1', tags: ['a', 'b'], sizes: [1, 2], blob: 'AAEC' });
  });

  test.each([
    ['perRecord', () => perRecord(() => 1, { numbers: 'exact' as never })],
    ['perBatch', () => perBatch(() => [], { numbers: 'exact' as never })],
    ['parseBatch', () => parseBatch([], { numbers: 'exact' as never })],
    ['unmarshallImage', () => unmarshallImage({}, { numbers: 'exact' as never })],
  ])("%s refuses a numbers option other than 'auto' or 'string', when it is called", (name, call) => {
    expect(thrown(call).message).toBe(`${name}: numbers must be 'auto' or 'string', got "exact"`);
  });
});

describe('perRecord: one result per record, in order', () => {
  test('returns the results in the batch\'s order, whatever order the calls finish in, running them concurrently', async () => {
    let running = 0;
    let mostRunning = 0;
    const handler = perRecord(async (record) => {
      running++;
      mostRunning = Math.max(mostRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 20 - 2 * Number(record.newImage!.n)));
      running--;
      return `${record.keys.id}`;
    });

    await expect(handler(batch(5))).resolves.toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
    expect(mostRunning).toBe(5);
  });

  test('typed images: the function sees the image as the declared type, and the result type follows', async () => {
    interface Order { readonly orderId: string; readonly lines: readonly unknown[] }
    const handler = perRecord(async ({ newImage }: EnrichmentRecord<Order>) => ({ orderId: newImage!.orderId, lines: newImage!.lines.length }));

    const results: Array<{ orderId: string; lines: number }> = await handler([insert({ id: 'o1', orderId: 'o1', lines: ['a', 'b'] })]);

    expect(results).toEqual([{ orderId: 'o1', lines: 2 }]);
  });

  test('SKIP leaves a record out; a batch whose records are all skipped gives [], which does not invoke the target', async () => {
    const handler = perRecord((record) => (Number(record.newImage!.n) % 2 === 0 ? SKIP : record.keys.id));

    await expect(handler(batch(5))).resolves.toEqual(['id-1', 'id-3']);
    await expect(handler(batch(1))).resolves.toEqual([]);
  });

  test('an empty batch gives [] without calling the function', async () => {
    const enrich = jest.fn();

    await expect(perRecord(enrich)([])).resolves.toEqual([]);
    expect(enrich).not.toHaveBeenCalled();
  });

  test(`a batch of ${MAX_RESULTS} is enriched; one of 11 is refused before the function runs`, async () => {
    const enrich = jest.fn((record: EnrichmentRecord) => record.keys.id);
    const handler = perRecord(enrich);

    await expect(handler(batch(10))).resolves.toHaveLength(10);
    enrich.mockClear();
    const error = await rejection(handler(batch(11)));

    expect(error).toBeInstanceOf(EnrichmentError);
    expect(error.message).toBe('perRecord: the batch holds 11 records, one message each, but an SQS target takes at most 10 per batch and a pipe does not invoke its target when the enrichment returns more: set the pipe\'s batchSize to 10 or less');
    expect(enrich).not.toHaveBeenCalled();
  });

  test('a function that throws rejects the invocation, naming the first failed record and keeping the error as cause, after every call has settled', async () => {
    const failure = new Error('lookup service unavailable');
    const finished: string[] = [];
    const handler = perRecord(async (record) => {
      const n = Number(record.newImage!.n);
      await new Promise((resolve) => setTimeout(resolve, n === 3 ? 30 : 5));
      if (n === 1 || n === 2) throw n === 1 ? failure : new Error('second failure');
      finished.push(`${record.keys.id}`);
      return n;
    });
    const records = batch(4);

    const error = await rejection(handler(records));

    expect(error).toBeInstanceOf(EnrichmentError);
    expect(error.message).toBe(`perRecord: the function failed on records[1] (eventID "${records[1].eventID}"): lookup service unavailable`);
    expect(error.cause).toBe(failure);
    expect(error).toMatchObject({ name: 'EnrichmentError', recordIndex: 1, eventID: records[1].eventID });
    expect(finished).toEqual(['id-0', 'id-3']);
  });

  test.each([
    ['undefined (a forgotten return)', undefined, 'undefined'],
    ['null', null, 'null'],
  ])('a function that returns %s rejects instead of dropping the record', async (_what, value, shown) => {
    const records = batch(2);
    const handler = perRecord((record) => (record.keys.id === 'id-1' ? value : 'ok'));

    const error = await rejection(handler(records));

    expect(error.message).toBe(`perRecord: the function returned ${shown} for records[1] (eventID "${records[1].eventID}"): return the record's message, or SKIP to leave the record out`);
  });

  test('a function that returns an Error instead of throwing it rejects, so the error never becomes a message', async () => {
    const records = batch(1);
    const failure = new Error('not found');

    const error = await rejection(perRecord(() => failure)(records));

    expect(error.message).toBe(`perRecord: the function returned an Error for records[0] (eventID "${records[0].eventID}") instead of throwing it: throw, so that the pipe retries the batch`);
    expect(error.cause).toBe(failure);
  });

  test('something other than a function is refused when the handler is built', () => {
    expect(thrown(() => perRecord(undefined as never)).message).toBe('perRecord: expected a function (record) => result, got undefined');
  });
});

describe('perBatch: one call for the whole batch', () => {
  test('the function gets every record in order; its results are returned as they are, fewer or more than the records', async () => {
    const seen: string[][] = [];
    const handler = perBatch(async (records) => {
      seen.push(records.map((record) => `${record.keys.id}`));
      return [{ total: records.length }];
    });

    await expect(handler(batch(3))).resolves.toEqual([{ total: 3 }]);
    expect(seen).toEqual([['id-0', 'id-1', 'id-2']]);
    await expect(perBatch((records) => [...records, ...records].map((r) => r.eventName))(batch(5))).resolves.toHaveLength(10);
  });

  test('only the results are limited: a batch of 12 records summarised in one result is fine', async () => {
    await expect(perBatch((records) => [records.length])(batch(12))).resolves.toEqual([12]);
  });

  test('more than 10 results are refused before the pipe would skip its target', async () => {
    const error = await rejection(perBatch((records) => [...records, records[0]])(batch(10)));

    expect(error.message).toBe('perBatch: the function returned 11 results, one message each, but an SQS target takes at most 10 per batch and a pipe does not invoke its target when the enrichment returns more: return at most 10');
  });

  test.each([
    ['undefined', () => undefined, 'perBatch: the function must return an array, one element per message, got undefined'],
    ['an object', () => ({ results: [] }), 'perBatch: the function must return an array, one element per message, got an object'],
    ['an array holding null', () => ['a', null], 'perBatch: result 1 is null: every element becomes one message; return fewer elements to leave records out'],
    ['an array holding undefined', () => [undefined], 'perBatch: result 0 is undefined: every element becomes one message; return fewer elements to leave records out'],
    ['an array holding SKIP', () => [SKIP], 'perBatch: result 0 is SKIP, which only perRecord understands: every element becomes one message; return fewer elements to leave records out'],
    ['an array holding an Error', () => [new Error('x')], 'perBatch: result 0 is an Error instead of a thrown error: throw, so that the pipe retries the batch'],
  ])('a function that returns %s rejects', async (_what, enrich, message) => {
    const error = await rejection(perBatch(enrich as never)(batch(2)));

    expect(error).toBeInstanceOf(EnrichmentError);
    expect(error.message).toBe(message);
  });

  test("the function's own error rejects the invocation unchanged", async () => {
    const failure = new Error('Requested resource not found');

    await expect(perBatch(async () => { throw failure; })(batch(2))).rejects.toBe(failure);
  });

  test('an empty batch gives [] without calling the function; a bad batch is refused before calling it', async () => {
    const enrich = jest.fn(() => []);

    await expect(perBatch(enrich)([])).resolves.toEqual([]);
    await expect(perBatch(enrich)({ Records: [] })).rejects.toThrow(EnrichmentError);
    expect(enrich).not.toHaveBeenCalled();
  });

  test('something other than a function is refused when the handler is built', () => {
    expect(thrown(() => perBatch('enrich' as never)).message).toBe('perBatch: expected a function (records) => results, got a string');
  });
});
