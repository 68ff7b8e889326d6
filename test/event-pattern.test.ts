import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import {
  AttributeCondition,
  DynamoDBEventName,
  DynamoDBStreamFilter,
  StreamAttributeType,
} from '../src/dynamodb-stream-filter';
import { EventPattern } from '../src/testing/event-pattern';
import { DynamoDBStreamRecord } from '../src/testing/stream-record';

/** A filter with one pattern per object. */
function filterOf(...patterns: any[]): pipes.IFilter {
  return new pipes.Filter(patterns.map(p => pipes.FilterPattern.fromObject(p)));
}

describe('EventPattern.matches', () => {
  describe('exact values', () => {
    test.each([
      ['string', { a: ['x'] }, { a: 'x' }, true],
      ['string is case-sensitive', { a: ['x'] }, { a: 'X' }, false],
      ['number', { a: [3] }, { a: 3 }, true],
      ['number compares numerically', { a: [3] }, { a: 3.0 }, true],
      ['number in exponent form', { a: [300] }, JSON.parse('{"a": 3e2}'), true],
      ['numeric string does not match a number', { a: [3] }, { a: '3' }, false],
      ['number does not match a numeric string', { a: ['3'] }, { a: 3 }, false],
      ['boolean', { a: [true] }, { a: true }, true],
      ['boolean vs string', { a: [true] }, { a: 'true' }, false],
      ['null', { a: [null] }, { a: null }, true],
      ['null does not match a missing field', { a: [null] }, {}, false],
      ['null does not match the empty string', { a: [null] }, { a: '' }, false],
      ['empty string', { a: [''] }, { a: '' }, true],
      ['empty string does not match null', { a: [''] }, { a: null }, false],
      ['value list is an OR', { a: ['x', 'y'] }, { a: 'y' }, true],
      ['fields are ANDed', { a: ['x'], b: ['y'] }, { a: 'x', b: 'z' }, false],
      ['unnamed event fields are ignored', { a: ['x'] }, { a: 'x', b: 'anything' }, true],
      ['nested field', { a: { b: { c: ['x'] } } }, { a: { b: { c: 'x' } } }, true],
      ['nested field missing', { a: { b: ['x'] } }, { a: 'x' }, false],
      ['match list on an object value', { a: ['x'] }, { a: { b: 'x' } }, false],
    ])('%s', (_name, pattern, event, expected) => {
      expect(EventPattern.matches(pattern, event)).toBe(expected);
    });
  });

  describe('anything-but', () => {
    test.each([
      ['single string, other value', { a: [{ 'anything-but': 'x' }] }, { a: 'y' }, true],
      ['single string, same value', { a: [{ 'anything-but': 'x' }] }, { a: 'x' }, false],
      ['string list', { a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' }, false],
      ['number', { a: [{ 'anything-but': 5 }] }, { a: 5.0 }, false],
      ['number list', { a: [{ 'anything-but': [1, 2] }] }, { a: 3 }, true],
      ['string matches a number', { a: [{ 'anything-but': 'x' }] }, { a: 5 }, true],
      ['number list matches a numeric string', { a: [{ 'anything-but': [111, 222] }] }, { a: '111' }, true],
      ['matches null and booleans', { a: [{ 'anything-but': 'x' }], b: [{ 'anything-but': 'x' }] }, { a: null, b: false }, true],
      ['missing field', { a: [{ 'anything-but': 'x' }] }, {}, false],
      ['event array: any other element', { a: [{ 'anything-but': 'x' }] }, { a: ['x', 'y'] }, true],
      ['event array: only excluded elements', { a: [{ 'anything-but': 'x' }] }, { a: ['x', 'x'] }, false],
      ['prefix form', { a: [{ 'anything-but': { prefix: 'in' } }] }, { a: 'init' }, false],
      ['prefix form, other value', { a: [{ 'anything-but': { prefix: 'in' } }] }, { a: 'run' }, true],
      ['suffix form', { a: [{ 'anything-but': { suffix: '.png' } }] }, { a: 'a.png' }, false],
      ['equals-ignore-case form', { a: [{ 'anything-but': { 'equals-ignore-case': ['X', 'y'] } }] }, { a: 'Y' }, false],
      ['equals-ignore-case form, other value', { a: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] }, { a: 'z' }, true],
      ['wildcard form', { a: [{ 'anything-but': { wildcard: '*.png' } }] }, { a: 'a.png' }, false],
      ['string forms match non-strings', { a: [{ 'anything-but': { prefix: '1' } }] }, { a: 12 }, true],
    ])('%s', (_name, pattern, event, expected) => {
      expect(EventPattern.matches(pattern, event)).toBe(expected);
    });
  });

  describe('numeric', () => {
    test.each([
      ['=', ['=', 5], 5, true],
      ['= with a fraction', ['=', 5], 5.000001, false],
      ['<', ['<', 5], 4.99, true],
      ['< at the bound', ['<', 5], 5, false],
      ['<= at the bound', ['<=', 5], 5, true],
      ['>', ['>', 5], 5, false],
      ['>= at the bound', ['>=', 5], 5, true],
      ['range inside', ['>', 0, '<=', 5], 5, true],
      ['range below', ['>', 0, '<=', 5], 0, false],
      ['range above', ['>=', 0, '<', 5], 5, false],
      ['negative values', ['>=', -10.5, '<', -1], -10.5, true],
      ['numeric string never matches', ['=', 5], '5', false],
      ['boolean never matches', ['>', 0], true, false],
      ['any element of an event array', ['>', 10], [1, 20], true],
    ])('%s', (_name, range, value, expected) => {
      expect(EventPattern.matches({ a: [{ numeric: range }] }, { a: value })).toBe(expected);
    });

    test('DynamoDB number attributes are strings, so numeric never matches them', () => {
      const record = DynamoDBStreamRecord.insert({ id: 'a', age: 42 });
      expect(EventPattern.matches({ dynamodb: { NewImage: { age: { N: [{ numeric: ['>', 0] }] } } } }, record)).toBe(false);
      expect(EventPattern.matches({ dynamodb: { NewImage: { age: { N: ['42'] } } } }, record)).toBe(true);
    });
  });

  describe('exists', () => {
    test.each([
      ['true, present', true, { a: 'x' }, true],
      ['true, missing', true, {}, false],
      ['false, missing', false, {}, true],
      ['false, present', false, { a: 'x' }, false],
      ['null exists', true, { a: null }, true],
      ['true on an object value does not match', true, { a: { b: 1 } }, false],
      ['false on an object value matches', false, { a: { b: 1 } }, true],
      ['empty array counts as absent (true)', true, { a: [] }, false],
      ['empty array counts as absent (false)', false, { a: [] }, true],
      ['non-empty array exists', true, { a: [1] }, true],
    ])('%s', (_name, exists, event, expected) => {
      expect(EventPattern.matches({ a: [{ exists }] }, event)).toBe(expected);
    });

    test('exists false with an alternative value', () => {
      const pattern = { a: [{ exists: false }, 'x'] };
      expect(EventPattern.matches(pattern, {})).toBe(true);
      expect(EventPattern.matches(pattern, { a: 'x' })).toBe(true);
      expect(EventPattern.matches(pattern, { a: 'y' })).toBe(false);
    });
  });

  describe('string operators', () => {
    test.each([
      ['prefix', { prefix: 'us-' }, 'us-east-1', true],
      ['prefix is case-sensitive', { prefix: 'us-' }, 'US-east-1', false],
      ['prefix never matches numbers', { prefix: '1' }, 12, false],
      ['suffix', { suffix: '.png' }, 'a.png', true],
      ['suffix no match', { suffix: '.png' }, 'a.jpg', false],
      ['equals-ignore-case', { 'equals-ignore-case': 'alice' }, 'ALICE', true],
      ['equals-ignore-case needs the whole value', { 'equals-ignore-case': 'alice' }, 'alice2', false],
      ['equals-ignore-case never matches booleans', { 'equals-ignore-case': 'true' }, true, false],
      ['equals-ignore-case with non-ASCII letters', { 'equals-ignore-case': 'ÉCOLE' }, 'école', true],
      ['prefix ignoring case', { prefix: { 'equals-ignore-case': 'EventB' } }, 'eventbridge', true],
      ['prefix ignoring case, no match', { prefix: { 'equals-ignore-case': 'EventB' } }, 'xeventbridge', false],
      ['suffix ignoring case', { suffix: { 'equals-ignore-case': '.PNG' } }, 'a.png', true],
      ['special characters are literal', { prefix: 'a.*' }, 'abc', false],
      ['wildcard', { wildcard: 'dir/*.png' }, 'dir/a/b.png', true],
      ['wildcard anchors both ends', { wildcard: 'dir/*.png' }, 'xdir/a.png', false],
      ['wildcard escaped star', { wildcard: 'a\\*b' }, 'a*b', true],
      ['wildcard escaped star is literal', { wildcard: 'a\\*b' }, 'axb', false],
    ])('%s', (_name, operator, value, expected) => {
      expect(EventPattern.matches({ a: [operator] }, { a: value })).toBe(expected);
    });
  });

  describe('$or', () => {
    const pattern = { source: ['app'], $or: [{ a: ['1'] }, { b: { c: [{ prefix: 'x' }] } }] };
    test.each([
      ['first branch', { source: 'app', a: '1' }, true],
      ['second branch', { source: 'app', b: { c: 'xyz' } }, true],
      ['no branch', { source: 'app', a: '2' }, false],
      ['branch but not the other fields', { source: 'other', a: '1' }, false],
    ])('%s', (_name, event, expected) => {
      expect(EventPattern.matches(pattern, event)).toBe(expected);
    });

    test('nested $or', () => {
      const nested = { d: { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] } };
      expect(EventPattern.matches(nested, { d: { c: '3' } })).toBe(true);
      expect(EventPattern.matches(nested, { d: { c: '4' } })).toBe(false);
    });
  });

  describe('event arrays', () => {
    test('a value list and an event array match if they intersect', () => {
      expect(EventPattern.matches({ a: ['x', 'y'] }, { a: ['z', 'y'] })).toBe(true);
      expect(EventPattern.matches({ a: ['x'] }, { a: ['z'] })).toBe(false);
    });

    test('nested arrays are flattened', () => {
      expect(EventPattern.matches({ a: ['x'] }, { a: [['z'], ['x']] })).toBe(true);
    });

    test('arrays of objects match per element (array consistency)', () => {
      const pattern = { items: { type: ['book'], price: [{ numeric: ['<', 10] }] } };
      expect(EventPattern.matches(pattern, { items: [{ type: 'book', price: 5 }] })).toBe(true);
      expect(EventPattern.matches(pattern, { items: [{ type: 'book', price: 50 }, { type: 'pen', price: 5 }] })).toBe(false);
    });

    test('exists false is judged within the array element chosen so far', () => {
      const pattern = { d: { a: ['1'], b: [{ exists: false }] } };
      expect(EventPattern.matches(pattern, { d: [{ a: '1' }, { b: 2 }] })).toBe(true);
      expect(EventPattern.matches(pattern, { d: [{ a: '1', b: 2 }] })).toBe(false);
    });

    test('large arrays stay fast', () => {
      const range = (n: number) => Array.from({ length: n }, (_, i) => i);
      const started = Date.now();
      // Three independent arrays of 300 values and a failing last condition: 27 million combinations if searched naively.
      expect(EventPattern.matches(
        { a: [{ exists: true }], b: [{ exists: true }], c: [{ exists: true }], d: ['nope'] },
        { a: range(300), b: range(300), c: range(300), d: 'x' },
      )).toBe(false);
      const items = range(2000).map(i => ({ k: i, v: i % 7, tags: ['a', 'b', String(i)] }));
      expect(EventPattern.matches({ items: { k: [{ numeric: ['>=', 0] }], tags: ['b'], v: [8] } }, { items })).toBe(false);
      expect(EventPattern.matches({ items: { k: [1999], tags: ['1999'], v: [{ exists: true }] } }, { items })).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    test('DynamoDB lists and sets match on any element', () => {
      const record = DynamoDBStreamRecord.insert({ id: 'a', tags: ['red', 'blue'], codes: new Set(['x', 'y']) });
      expect(EventPattern.matches({ dynamodb: { NewImage: { tags: { L: { S: ['blue'] } } } } }, record)).toBe(true);
      expect(EventPattern.matches({ dynamodb: { NewImage: { codes: { SS: ['y'] } } } }, record)).toBe(true);
    });
  });

  describe('inputs', () => {
    test('pattern and event as JSON strings', () => {
      expect(EventPattern.matches('{"a": ["x"]}', '{"a": "x"}')).toBe(true);
    });

    test('the event is taken as JSON (undefined properties are absent)', () => {
      expect(EventPattern.matches({ a: [{ exists: false }] }, { a: undefined })).toBe(true);
    });

    test('throws on an invalid pattern', () => {
      expect(() => EventPattern.matches({ a: 'x' }, { a: 'x' })).toThrow(
        'Invalid event pattern: a: must be an array of match values or an object, got a string',
      );
      expect(() => EventPattern.matches('{"a": [', {})).toThrow(/^Invalid event pattern: pattern: is not valid JSON/);
    });

    test('throws on cidr, which it does not evaluate', () => {
      expect(() => EventPattern.matches({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.1' })).toThrow(
        'Invalid event pattern: ip: the "cidr" operator is not evaluated by EventPattern.matches',
      );
    });

    test('throws if the event is not an object', () => {
      expect(() => EventPattern.matches({ a: ['x'] }, ['x'])).toThrow('The event must be a JSON object, got an array');
    });
  });
});

describe('EventPattern.validate', () => {
  test('accepts every operator Pipes supports', () => {
    expect(EventPattern.validate({
      a: ['x', 1, true, null, ''],
      b: [{ 'anything-but': 'x' }, { 'anything-but': [1, 2] }, { 'anything-but': ['x', 'y'] }],
      c: [{ numeric: ['>', 0, '<=', 5] }, { numeric: ['=', 1] }, { numeric: ['<', 0] }],
      d: [{ exists: true }, { exists: false }],
      e: [{ prefix: 'x' }, { suffix: 'y' }, { 'equals-ignore-case': 'z' }],
      f: [{ prefix: { 'equals-ignore-case': 'x' } }, { suffix: { 'equals-ignore-case': 'y' } }],
      $or: [{ g: ['1'] }, { h: { i: ['2'] } }],
    })).toEqual([]);
    expect(EventPattern.validate('{"dynamodb": {"NewImage": {"id": {"S": ["a"]}}}}')).toEqual([]);
  });

  test('malformed JSON and non-object patterns', () => {
    expect(EventPattern.validate('{"a": [')).toEqual([expect.stringMatching(/^pattern: is not valid JSON \(.+\)$/)]);
    expect(EventPattern.validate('["a"]')).toEqual(['pattern: must be a JSON object, got an array']);
    expect(EventPattern.validate('"a"')).toEqual(['pattern: must be a JSON object, got a string']);
    expect(EventPattern.validate(null)).toEqual(['pattern: must be a JSON object, got null']);
    expect(EventPattern.validate(undefined)).toEqual(['pattern: must be a JSON object, got undefined']);
    expect(EventPattern.validate({})).toEqual(['pattern: must not be an empty object']);
  });

  test('structure problems', () => {
    expect(EventPattern.validate({
      a: 'x',
      b: [],
      c: {},
      d: [['x']],
      e: [{}],
      f: [{ prefix: 'x', suffix: 'y' }],
      g: [{ regex: '.*' }],
      $or: [{ h: ['1'] }],
    })).toEqual([
      'a: must be an array of match values or an object, got a string',
      'b: the list of match values must not be empty',
      'c: must not be an empty object',
      'd: match values must be strings, numbers, booleans, null or operator objects, got an array',
      'e: an operator object must have exactly one key, got none',
      'f: an operator object must have exactly one key, got 2: "prefix", "suffix"',
      'g: unknown operator "regex"',
      '$or: must be an array of at least two objects',
    ]);
  });

  test('malformed operators', () => {
    expect(EventPattern.validate({
      a: [{ exists: 'true' }],
      b: [{ prefix: 1 }],
      c: [{ suffix: { 'equals-ignore-case': 1 } }],
      d: [{ 'equals-ignore-case': ['x'] }],
      e: [{ 'anything-but': [] }],
      f: [{ 'anything-but': ['x', 1] }],
      g: [{ 'anything-but': { prefix: '' } }],
      h: [{ 'anything-but': { regex: 'x' } }],
      i: [{ 'anything-but': { 'equals-ignore-case': 1 } }],
      j: [{ wildcard: 'a\\b' }],
    })).toEqual([
      'a: the "exists" operator needs true or false, got a string',
      'b: the "prefix" operator needs a string or {"equals-ignore-case": "<string>"}, got a number',
      'c: the "suffix" operator needs a string or {"equals-ignore-case": "<string>"}, got an object',
      'd: the "equals-ignore-case" operator needs a string, got an array',
      'e: the "anything-but" operator needs a string, a number, a non-empty list of only strings or only numbers, '
        + 'or an object with one of "prefix", "suffix", "equals-ignore-case" or "wildcard", got []',
      'f: the "anything-but" operator needs a string, a number, a non-empty list of only strings or only numbers, '
        + 'or an object with one of "prefix", "suffix", "equals-ignore-case" or "wildcard", got ["x",1]',
      'g: the "anything-but" operator with "prefix" is not supported by EventBridge Pipes filters',
      'g: the "anything-but" "prefix" value must be a non-empty string, got ""',
      'h: the "anything-but" operator needs a string, a number, a non-empty list of only strings or only numbers, '
        + 'or an object with one of "prefix", "suffix", "equals-ignore-case" or "wildcard", got {"regex":"x"}',
      'i: the "anything-but" operator with "equals-ignore-case" is not supported by EventBridge Pipes filters',
      'i: the "anything-but" "equals-ignore-case" value must be a string or a non-empty list of strings, got 1',
      'j: the "wildcard" operator is not supported by EventBridge Pipes filters',
      'j: the wildcard "a\\\\b" has a "\\" that does not escape "*" or "\\"',
    ]);
  });

  test('malformed numeric ranges', () => {
    const layout = 'the "numeric" operator takes ["=", n], one bound, or a lower bound (">" or ">=") followed by an upper bound ("<" or "<=")';
    expect(EventPattern.validate({
      a: [{ numeric: '>5' }],
      b: [{ numeric: ['>', 0, '<='] }],
      c: [{ numeric: ['>', '0'] }],
      d: [{ numeric: ['~', 0] }],
      e: [{ numeric: ['<', 5, '>', 0] }],
      f: [{ numeric: ['=', 5, '<', 9] }],
      g: [{ numeric: ['>=', 5, '<=', 5] }],
    })).toEqual([
      'a: the "numeric" operator needs an array such as [">", 0, "<=", 5], got a string',
      'b: the "numeric" operator needs a number after "<=", got nothing',
      'c: the "numeric" operator needs a number after ">", got a string',
      'd: "~" is not a numeric operator (use "=", "<", "<=", ">" or ">=")',
      `e: ${layout}, got ["<",5,">",0]`,
      `f: ${layout}, got ["=",5,"<",9]`,
      'g: the "numeric" lower bound 5 must be less than the upper bound 5',
    ]);
  });

  test('operators EventBridge Pipes does not support', () => {
    expect(EventPattern.validate({
      dynamodb: { NewImage: { email: { S: [{ wildcard: '*@example.com' }] } } },
      ip: [{ cidr: '10.0.0.0/24' }],
      a: [{ 'anything-but': { prefix: 'x' } }],
      b: [{ 'anything-but': { suffix: 'x' } }],
      c: [{ 'anything-but': { 'equals-ignore-case': 'x' } }],
      d: [{ 'anything-but': { wildcard: 'x*' } }],
      e: [{ wildcard: 'a**' }],
    })).toEqual([
      'dynamodb.NewImage.email.S: the "wildcard" operator is not supported by EventBridge Pipes filters',
      'ip: the "cidr" operator is not supported by EventBridge Pipes filters',
      'a: the "anything-but" operator with "prefix" is not supported by EventBridge Pipes filters',
      'b: the "anything-but" operator with "suffix" is not supported by EventBridge Pipes filters',
      'c: the "anything-but" operator with "equals-ignore-case" is not supported by EventBridge Pipes filters',
      'd: the "anything-but" operator with "wildcard" is not supported by EventBridge Pipes filters',
      'e: the "wildcard" operator is not supported by EventBridge Pipes filters',
      'e: the wildcard "a**" must not have consecutive "*" characters',
    ]);
  });

  test('field paths inside $or name the branch', () => {
    expect(EventPattern.validate({ detail: { $or: [{ a: [{ exists: 1 }] }, { b: 'x' }] } })).toEqual([
      'detail.$or[0].a: the "exists" operator needs true or false, got a number',
      'detail.$or[1].b: must be an array of match values or an object, got a string',
    ]);
  });

  test('patterns longer than 4096 characters', () => {
    // {"a":["…"]} adds 10 characters to the string.
    expect(EventPattern.validate({ a: ['x'.repeat(4087)] })).toEqual([
      'pattern: is 4097 characters long; EventBridge Pipes accepts at most 4096',
    ]);
    expect(EventPattern.validate({ a: ['x'.repeat(4086)] })).toEqual([]);
    expect(EventPattern.validate(JSON.stringify({ a: ['x'.repeat(4087)] }))).toHaveLength(1);
  });

  test('accepts patterns that Pipes accepts but that cannot work on a stream record: those are lints', () => {
    const useless = {
      dynamodb: {
        NewImage: {
          email: ['a@example.com'],
          age: { N: [{ numeric: ['>', 18] }] },
          address: { M: [{ exists: true }] },
        },
      },
    };
    expect(EventPattern.validate(useless)).toEqual([]);
    // In the order of the fields' paths.
    expect(EventPattern.lint(useless)).toEqual([
      'dynamodb.NewImage.address.M: never matches: DynamoDB "M" values hold no leaf value for this list to test; '
        + 'test a typed value inside (e.g. dynamodb.NewImage.address.M.name.S)',
      'dynamodb.NewImage.age.N: {"numeric":[">",18]} never matches: DynamoDB numbers are strings in stream records (e.g. "42"), '
        + 'and "numeric" and number values match only JSON numbers; instead, list the numbers as strings for exact values (["5"]), '
        + 'use "anything-but" or "prefix" on the string where they fit ([{"anything-but": ["0"]}] for not zero, [{"prefix": "-"}] for negative), '
        + 'match a derived attribute that your app writes (a BOOL such as "lowStock"), or filter in the enrichment',
      'dynamodb.NewImage.email: never matches: DynamoDB attribute values are typed objects such as {"S": ...}; '
        + 'put the match list under the type key (e.g. dynamodb.NewImage.email.S)',
    ]);
  });
});

describe('EventPattern.lint and lintFilter', () => {
  test('lintFilter prefixes each finding with the pattern index', () => {
    const filter = filterOf({ eventName: ['INSERT'] }, { eventName: ['modify'] });
    expect(EventPattern.lintFilter(filter)).toEqual([
      'filters[1]: eventName: "modify" never matches: eventName is upper case in stream records (INSERT, MODIFY, REMOVE); write "MODIFY"',
    ]);
    expect(EventPattern.lintFilter(DynamoDBStreamFilter.inserts())).toEqual([]);
  });
});

describe('EventPattern.explain and explainFilter', () => {
  const record = DynamoDBStreamRecord.insert({ id: 'a1', status: 'OPEN' });

  test('explain says why a record does not match, and nothing when it does', () => {
    expect(EventPattern.explain({ eventName: ['insert'] }, record)).toEqual([
      'eventName: wanted ["insert"], the record holds "INSERT"; hint: eventName is upper case in stream records (INSERT, MODIFY, REMOVE): write "INSERT"',
    ]);
    expect(EventPattern.explain('{"eventName": ["INSERT"]}', JSON.stringify(record))).toEqual([]);
  });

  test('explainFilter explains each pattern of a filter', () => {
    const filter = DynamoDBStreamFilter.where({ eventNames: [DynamoDBEventName.MODIFY] });
    expect(EventPattern.explainFilter(filter, record)).toEqual(['filters[0]: eventName: wanted ["MODIFY"], the record holds "INSERT"']);
    expect(EventPattern.explainFilter(DynamoDBStreamFilter.inserts(), record)).toEqual([]);
  });
});

describe('EventPattern.validateFilter', () => {
  test('prefixes problems with the pattern index', () => {
    const filter = { filters: [{ pattern: '{"a": ["x"]}' }, { pattern: '{"a": "x"}' }, { pattern: 'nope' }] };
    expect(EventPattern.validateFilter(filter)).toEqual([
      'filters[1]: a: must be an array of match values or an object, got a string',
      expect.stringMatching(/^filters\[2\]: pattern: is not valid JSON/),
    ]);
  });

  test('at most 5 patterns', () => {
    const filter = filterOf(...[1, 2, 3, 4, 5, 6].map(n => ({ n: [n] })));
    expect(EventPattern.validateFilter(filter)).toEqual(['a pipe accepts at most 5 filter patterns, got 6']);
    expect(EventPattern.validateFilter(filterOf(...[1, 2, 3, 4, 5].map(n => ({ n: [n] }))))).toEqual([]);
  });

  test('an empty filter is fine', () => {
    expect(EventPattern.validateFilter(new pipes.Filter([]))).toEqual([]);
  });
});

describe('EventPattern.filterMatches', () => {
  test('an empty filter lets everything through', () => {
    expect(EventPattern.filterMatches(new pipes.Filter([]), { anything: 1 })).toBe(true);
  });

  test('patterns are ORed', () => {
    const filter = filterOf({ a: ['x'] }, { b: [{ numeric: ['>', 5] }] });
    expect(EventPattern.filterMatches(filter, { a: 'x' })).toBe(true);
    expect(EventPattern.filterMatches(filter, { b: 6 })).toBe(true);
    expect(EventPattern.filterMatches(filter, { a: 'y', b: 5 })).toBe(false);
  });

  test('throws on an invalid pattern, even if another pattern matches', () => {
    const filter = { filters: [{ pattern: '{"a": ["x"]}' }, { pattern: '{"b": "x"}' }] };
    expect(() => EventPattern.filterMatches(filter, { a: 'x' })).toThrow(
      'Invalid event pattern: filters[1]: b: must be an array of match values or an object, got a string',
    );
  });
});

describe('DynamoDBStreamFilter', () => {
  const patternOf = (filter: pipes.IFilter) => filter.filters.map(f => JSON.parse(f.pattern));
  const item = {
    id: 'a1',
    status: 'NEW',
    priority: 2,
    urgent: true,
    appointment: { patient: { email: 'pat@example.com' } },
  };

  test('eventNames and inserts', () => {
    expect(patternOf(DynamoDBStreamFilter.inserts())).toEqual([{ eventName: ['INSERT'] }]);
    expect(patternOf(DynamoDBStreamFilter.eventNames(DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY)))
      .toEqual([{ eventName: ['INSERT', 'MODIFY'] }]);
    expect(() => DynamoDBStreamFilter.eventNames()).toThrow('eventNames needs at least one event name');
  });

  test('insertsWhere adds the type keys and M nesting', () => {
    const filter = DynamoDBStreamFilter.insertsWhere([
      AttributeCondition.stringEquals('appointment.patient.email', 'pat@example.com'),
      AttributeCondition.stringPrefix('status', 'NE'),
      AttributeCondition.numberEquals('priority', 2),
      AttributeCondition.booleanEquals('urgent', true),
      AttributeCondition.exists('id', StreamAttributeType.S),
      AttributeCondition.notExists('deletedAt', StreamAttributeType.S),
    ]);
    expect(patternOf(filter)).toEqual([{
      eventName: ['INSERT'],
      dynamodb: {
        NewImage: {
          appointment: { M: { patient: { M: { email: { S: ['pat@example.com'] } } } } },
          status: { S: [{ prefix: 'NE' }] },
          priority: { N: ['2'] },
          urgent: { BOOL: [true] },
          id: { S: [{ exists: true }] },
          deletedAt: { S: [{ exists: false }] },
        },
      },
    }]);
    expect(EventPattern.validateFilter(filter)).toEqual([]);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert(item))).toBe(true);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.modify(item, { ...item, status: 'NEWER' }))).toBe(false);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert({ ...item, urgent: false }))).toBe(false);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert({ ...item, deletedAt: 'yesterday' }))).toBe(false);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert({ ...item, appointment: { patient: {} } }))).toBe(false);
  });

  test('stringNotEquals and matching', () => {
    const filter = DynamoDBStreamFilter.insertsWhere([
      AttributeCondition.stringNotEquals('status', 'DRAFT'),
      AttributeCondition.matching('appointment.patient.email', StreamAttributeType.S, [{ suffix: '@example.com' }]),
    ]);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert(item))).toBe(true);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert({ ...item, status: 'DRAFT' }))).toBe(false);
    // anything-but needs the attribute to be present.
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert({ ...item, status: undefined }))).toBe(false);
  });

  test('where combines event names, keys, new and old images', () => {
    const filter = DynamoDBStreamFilter.where({
      eventNames: [DynamoDBEventName.MODIFY],
      keys: [AttributeCondition.stringPrefix('id', 'a')],
      oldImage: [AttributeCondition.stringEquals('status', 'NEW')],
      newImage: [AttributeCondition.stringEquals('status', 'DONE')],
    });
    expect(patternOf(filter)).toEqual([{
      eventName: ['MODIFY'],
      dynamodb: {
        Keys: { id: { S: [{ prefix: 'a' }] } },
        NewImage: { status: { S: ['DONE'] } },
        OldImage: { status: { S: ['NEW'] } },
      },
    }]);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.modify(item, { ...item, status: 'DONE' }))).toBe(true);
    expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.modify(item, { ...item, status: 'DONE' }, {
      streamViewType: dynamodb.StreamViewType.NEW_IMAGE,
    }))).toBe(false);
  });

  test('rejects what one pattern cannot express', () => {
    expect(() => DynamoDBStreamFilter.where({})).toThrow('A DynamoDB stream filter needs at least one event name or attribute condition');
    expect(() => DynamoDBStreamFilter.insertsWhere([
      AttributeCondition.stringPrefix('email', 'a'),
      AttributeCondition.stringEquals('email', 'b'),
    ])).toThrow('Two conditions test NewImage attribute "email" (S); one pattern can hold only one match list per field.');
    expect(() => DynamoDBStreamFilter.where({ keys: [AttributeCondition.stringEquals('a.b', 'x')] }))
      .toThrow('Key condition on "a.b": keys are top-level attributes');
    expect(() => AttributeCondition.stringEquals('a..b', 'x')).toThrow('Invalid attribute path "a..b"');
    expect(() => AttributeCondition.matching('a', StreamAttributeType.S, [])).toThrow('The condition on "a" needs at least one match value');
    expect(() => DynamoDBStreamFilter.insertsWhere([AttributeCondition.stringEquals('a', 'x'.repeat(5000))]))
      .toThrow(/^Invalid DynamoDB stream filter pattern: pattern: is \d+ characters long/);
    expect(() => DynamoDBStreamFilter.insertsWhere([AttributeCondition.matching('stock', StreamAttributeType.N, [{ numeric: ['<', 5] }])]))
      .toThrow(new Error('Invalid DynamoDB stream filter pattern: dynamodb.NewImage.stock.N: {"numeric":["<",5]} never matches: '
        + 'DynamoDB numbers are strings in stream records (e.g. "42"), and "numeric" and number values match only JSON numbers; '
        + 'instead, list the numbers as strings for exact values (["5"]), use "anything-but" or "prefix" on the string where they fit '
        + '([{"anything-but": ["0"]}] for not zero, [{"prefix": "-"}] for negative), match a derived attribute that your app writes '
        + '(a BOOL such as "lowStock"), or filter in the enrichment'));
  });

  test('conditions on different types of one attribute can share a pattern', () => {
    const filter = DynamoDBStreamFilter.insertsWhere([
      AttributeCondition.notExists('ref', StreamAttributeType.S),
      AttributeCondition.notExists('ref', StreamAttributeType.N),
    ]);
    expect(patternOf(filter)[0].dynamodb.NewImage).toEqual({ ref: { S: [{ exists: false }], N: [{ exists: false }] } });
  });
});

describe('DynamoDBStreamRecord', () => {
  const fixed = { sequenceNumber: '100', approximateCreationDateTime: 1700000000 };
  const oldItem = { id: 'a1', status: 'NEW' };
  const newItem = { id: 'a1', status: 'DONE' };

  test('record shape', () => {
    const record = DynamoDBStreamRecord.insert(newItem, fixed);
    expect(record).toEqual({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1700000000,
        Keys: { id: { S: 'a1' } },
        NewImage: { id: { S: 'a1' }, status: { S: 'DONE' } },
        SequenceNumber: '100',
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/Table/stream/2024-01-01T00:00:00.000',
    });
    expect(DynamoDBStreamRecord.insert(newItem, fixed)).toEqual(record);
  });

  test.each([
    [dynamodb.StreamViewType.NEW_AND_OLD_IMAGES, ['NewImage'], ['NewImage', 'OldImage'], ['OldImage']],
    [dynamodb.StreamViewType.NEW_IMAGE, ['NewImage'], ['NewImage'], []],
    [dynamodb.StreamViewType.OLD_IMAGE, [], ['OldImage'], ['OldImage']],
    [dynamodb.StreamViewType.KEYS_ONLY, [], [], []],
  ])('%s images', (streamViewType, insertImages, modifyImages, removeImages) => {
    const options = { ...fixed, streamViewType };
    const imagesOf = (record: any) => Object.keys(record.dynamodb).filter(k => k.endsWith('Image')).sort();
    const records = [
      DynamoDBStreamRecord.insert(newItem, options),
      DynamoDBStreamRecord.modify(oldItem, newItem, options),
      DynamoDBStreamRecord.remove(oldItem, options),
    ];
    expect(records.map(imagesOf)).toEqual([insertImages, modifyImages, removeImages]);
    expect(records.map(r => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    for (const record of records) {
      expect(record.dynamodb.Keys).toEqual({ id: { S: 'a1' } });
      expect(record.dynamodb.StreamViewType).toBe(streamViewType);
    }
    if (modifyImages.includes('OldImage')) {
      expect(records[1].dynamodb.OldImage.status).toEqual({ S: 'NEW' });
    }
  });

  test('with NEW_IMAGE, an OldImage exists:false test matches', () => {
    const record = DynamoDBStreamRecord.modify(oldItem, newItem, { streamViewType: dynamodb.StreamViewType.NEW_IMAGE });
    expect(EventPattern.matches({ dynamodb: { OldImage: { status: { S: [{ exists: false }] } } } }, record)).toBe(true);
  });

  test('options', () => {
    const record = DynamoDBStreamRecord.remove({ pk: 'p', sk: 3, data: 'x' }, {
      keyAttributes: ['pk', 'sk'],
      eventSourceArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/T/stream/2024-01-01T00:00:00.000',
    });
    expect(record.dynamodb.Keys).toEqual({ pk: { S: 'p' }, sk: { N: '3' } });
    expect(record.awsRegion).toBe('eu-west-1');
    expect(record.eventSourceARN).toBe('arn:aws:dynamodb:eu-west-1:111111111111:table/T/stream/2024-01-01T00:00:00.000');
    expect(DynamoDBStreamRecord.insert(newItem, { awsRegion: 'ap-south-1' }).awsRegion).toBe('ap-south-1');
  });

  test('sequence numbers increase', () => {
    const first = DynamoDBStreamRecord.insert(newItem).dynamodb.SequenceNumber;
    const second = DynamoDBStreamRecord.insert(newItem).dynamodb.SequenceNumber;
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
  });

  test('key errors', () => {
    expect(() => DynamoDBStreamRecord.insert({ id: 'a' }, { keyAttributes: [] })).toThrow('keyAttributes must name at least one attribute');
    expect(() => DynamoDBStreamRecord.insert({ name: 'x' })).toThrow(new Error('The new item has no key attribute "id": keyAttributes defaults to ["id"]; '
      + 'pass the table\'s key attribute names, partition key first, e.g. { keyAttributes: ["pk", "sk"] } for a table with partition key pk and sort key sk'));
    // A composite-key table: the message names keyAttributes and what to pass (issue 16).
    expect(() => DynamoDBStreamRecord.insert({ pk: 'p', sk: 1 })).toThrow(new Error('The new item has no key attribute "id": keyAttributes defaults to ["id"]; '
      + 'pass the table\'s key attribute names, partition key first, e.g. { keyAttributes: ["pk", "sk"] } for a table with partition key pk and sort key sk'));
    expect(() => DynamoDBStreamRecord.remove({ pk: 'p' }, { keyAttributes: ['pk', 'sk'] })).toThrow(new Error('The old item has no key attribute "sk", '
      + 'which keyAttributes ["pk","sk"] names; pass the table\'s key attribute names in keyAttributes, partition key first'));
    expect(() => DynamoDBStreamRecord.insert({ id: true })).toThrow('Key attribute "id" of the new item must be a string, a number or binary, got BOOL');
    expect(() => DynamoDBStreamRecord.modify({ id: 'a' }, { id: 'b' })).toThrow('The old and the new item must have the same key (id)');
  });

  test('marshall', () => {
    expect(DynamoDBStreamRecord.marshall({
      s: 'x',
      n: 1.5,
      big: 1e21,
      b: false,
      nul: null,
      skipped: undefined,
      list: ['a', 1, [true]],
      map: { inner: { deep: 'y' } },
      ss: new Set(['a', 'b']),
      ns: new Set([1, 2]),
      bin: new Uint8Array([1, 2, 3]),
      huge: BigInt('123456789012345678901234567890'),
    })).toEqual({
      s: { S: 'x' },
      n: { N: '1.5' },
      big: { N: '1000000000000000000000' },
      b: { BOOL: false },
      nul: { NULL: true },
      list: { L: [{ S: 'a' }, { N: '1' }, { L: [{ BOOL: true }] }] },
      map: { M: { inner: { M: { deep: { S: 'y' } } } } },
      ss: { SS: ['a', 'b'] },
      ns: { NS: ['1', '2'] },
      bin: { B: 'AQID' },
      huge: { N: '123456789012345678901234567890' },
    });
    expect(() => DynamoDBStreamRecord.marshall({ when: new Date(0) })).toThrow('when: cannot convert an instance of Date to a DynamoDB attribute value');
    expect(() => DynamoDBStreamRecord.marshall({ s: new Set() })).toThrow('s: a Set must be non-empty and hold only strings or only numbers');
    expect(() => DynamoDBStreamRecord.marshall(['x'])).toThrow('An item must be a plain object, got an array');
  });

  test.each([
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-1.25, '-1.25'],
    [1e21, '1000000000000000000000'],
    [-2.5e22, '-25000000000000000000000'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
  ])('formatNumber(%p) is %p', (value, expected) => {
    expect(DynamoDBStreamRecord.formatNumber(value)).toBe(expected);
  });

  test('formatNumber rejects numbers DynamoDB cannot store', () => {
    expect(() => DynamoDBStreamRecord.formatNumber(Infinity)).toThrow('Infinity is outside the range of DynamoDB numbers');
    expect(() => DynamoDBStreamRecord.formatNumber(1e126)).toThrow('1e+126 is outside the range of DynamoDB numbers');
  });
});
