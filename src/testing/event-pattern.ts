import * as pipes from '@aws-cdk/aws-pipes-alpha';

/** Longest `Pattern` string the EventBridge Pipes API accepts. */
const MAX_PATTERN_LENGTH = 4096;
/** Most filter patterns one pipe accepts (`FilterCriteria.Filters`). */
const MAX_FILTER_PATTERNS = 5;
const NUMERIC_OPERATORS = ['=', '<', '<=', '>', '>='];

type Leaf = string | number | boolean | null;
type ValueTest = (value: Leaf) => boolean;

/** One named field of a compiled pattern: the event-ruler "field name" and the tests of its value list. */
interface Condition {
  /** Dotted path of the leaf, as event-ruler names it (`dynamodb.NewImage.id.S`). */
  readonly path: string;
  /** The value list holds `{"exists": false}`: an absent field satisfies it. */
  readonly absentOk: boolean;
  /** Tests of the other entries; a present value satisfies the condition if any test accepts it. */
  readonly tests: ValueTest[];
}

/**
 * What is wrong with a pattern:
 * - `invalid`: not a valid event pattern at all (`matches` throws);
 * - `pipes`: valid event-pattern syntax that EventBridge Pipes does not support;
 * - `dynamodb`: a test on a DynamoDB stream record (`dynamodb.NewImage`, `OldImage`, `Keys`) that ignores
 *   the typed attribute-value shape, so it never does what it says;
 * - `unmatchable`: valid, but this matcher cannot evaluate it (`matches` throws; `validate` does not report it).
 */
type ProblemKind = 'invalid' | 'pipes' | 'dynamodb' | 'unmatchable';

interface Compiled {
  /** Alternatives after expanding `$or`; each is a set of conditions that must all hold. */
  readonly branches: Condition[][];
  /** Problems, in the order of the pattern's fields. */
  readonly problems: Array<{ readonly kind: ProblemKind; readonly message: string }>;
}

/** One leaf value of a flattened event, with the array elements it sits in (array id -> element index). */
interface Field {
  readonly value: Leaf;
  readonly membership: Map<number, number>;
}

/** The leaves of one path, also indexed by array id and element index for same-element lookups. */
interface PathFields {
  readonly all: Field[];
  readonly byElement: Map<number, Map<number, Field[]>>;
}

type FlatEvent = Map<string, PathFields>;

/**
 * Offline evaluation and validation of EventBridge Pipes filter patterns.
 *
 * `matches` follows aws/event-ruler, the engine behind EventBridge event patterns: exact values
 * (strings, numbers, booleans, null, empty string), `anything-but`, `numeric`, `exists`, `prefix`,
 * `suffix`, `equals-ignore-case`, their ignore-case forms, `wildcard` and `$or`, with event arrays,
 * nested fields and array consistency (all fields matched inside an array of objects must come from
 * the same element). Numbers compare as numbers (`3` matches `3.0`); a string never matches a number.
 *
 * `validate` reports what EventBridge Pipes would reject, including operators that only event buses
 * support. Use both in unit tests of a pipe's filter, e.g. with records from `DynamoDBStreamRecord`.
 *
 * Events are matched as given. Pipes parses JSON payloads before filtering (an SQS `body` that holds
 * JSON, a decoded Kinesis `data`); pass such events with the payload already parsed.
 *
 * @example
 * import { testing } from 'cdk-enriched-stream-to-queue';
 *
 * const record = testing.DynamoDBStreamRecord.insert({ id: 'a1', status: 'OPEN' });
 * testing.EventPattern.matches({ eventName: ['INSERT'] }, record); // true
 * testing.EventPattern.filterMatches(DynamoDBStreamFilter.inserts(), record); // true
 * testing.EventPattern.validate({ dynamodb: { NewImage: { status: ['OPEN'] } } }); // one problem: no type key
 */
export class EventPattern {
  /**
   * Whether an event matches a filter pattern.
   *
   * Operators that only event buses support (`wildcard`, `anything-but` with `prefix`, `suffix`,
   * `equals-ignore-case` or `wildcard`) are evaluated as event buses do; `validate` reports them.
   *
   * @param pattern the pattern, as an object or as its JSON string (like `IFilterPattern.pattern`)
   * @param candidate the event as the filter sees it (for a DynamoDB source, the stream record), as an object or JSON string
   * @returns true if the event matches
   * @throws Error if the pattern is not a valid event pattern, or uses `cidr`, which this matcher does not evaluate
   */
  public static matches(pattern: any, candidate: any): boolean {
    return compileForMatching(pattern)(toEvent(candidate));
  }

  /**
   * Whether a pipe filter lets an event through: true if any of its patterns matches
   * (patterns are ORed). A filter without patterns lets every event through.
   *
   * @param filter the pipe filter, e.g. `new pipes.Filter([pipes.FilterPattern.fromObject({...})])`
   * @param candidate the event as the filter sees it (for a DynamoDB source, the stream record)
   * @throws Error if any of the filter's patterns is not a valid event pattern
   */
  public static filterMatches(filter: pipes.IFilter, candidate: any): boolean {
    const matchers = filter.filters.map((f, i) => compileForMatching(f.pattern, `filters[${i}]: `));
    if (matchers.length === 0) {
      return true;
    }
    const fields = toEvent(candidate);
    return matchers.some(matcher => matcher(fields));
  }

  /**
   * Problems that stop a pattern from working as an EventBridge Pipes filter pattern.
   *
   * Reports malformed JSON, a pattern that is not an object, match values that are not arrays,
   * unknown or malformed operators, operators Pipes does not support (`wildcard`, `cidr`,
   * `anything-but` with `prefix`/`suffix`/`equals-ignore-case`/`wildcard`) and patterns longer than
   * 4096 characters. It also reports tests under `dynamodb.NewImage`, `dynamodb.OldImage` and
   * `dynamodb.Keys` that ignore the shape of DynamoDB attribute values: a match list without a type
   * key (`email` instead of `email.S`), on an `M` or `L` value, or with numbers on an `N` value
   * (stream records hold numbers as strings). Each message starts with the field path (or
   * `pattern`) it is about.
   *
   * @param pattern the pattern, as an object or as its JSON string
   * @returns human-readable problems; empty if the pattern is fine
   */
  public static validate(pattern: any): string[] {
    const parsed = parsePattern(pattern);
    if ('error' in parsed) {
      return [parsed.error];
    }
    const problems: string[] = [];
    if (parsed.text.length > MAX_PATTERN_LENGTH) {
      problems.push(`pattern: is ${parsed.text.length} characters long; EventBridge Pipes accepts at most ${MAX_PATTERN_LENGTH}`);
    }
    const compiled = compile(parsed.value);
    return [...problems, ...compiled.problems.filter(p => p.kind !== 'unmatchable').map(p => p.message)];
  }

  /**
   * Problems of all patterns of a pipe filter, each prefixed with `filters[i]: `, plus a problem
   * if the filter has more patterns than a pipe accepts (5).
   *
   * @param filter the pipe filter
   * @returns human-readable problems; empty if the filter is fine
   */
  public static validateFilter(filter: pipes.IFilter): string[] {
    const problems: string[] = [];
    if (filter.filters.length > MAX_FILTER_PATTERNS) {
      problems.push(`a pipe accepts at most ${MAX_FILTER_PATTERNS} filter patterns, got ${filter.filters.length}`);
    }
    filter.filters.forEach((f, i) => {
      for (const problem of EventPattern.validate(f.pattern)) {
        problems.push(`filters[${i}]: ${problem}`);
      }
    });
    return problems;
  }

  private constructor() {}
}

// ---------------------------------------------------------------------------------------------
// Parsing and compiling patterns
// ---------------------------------------------------------------------------------------------

/** The pattern as Pipes receives it: the JSON text and its parsed value (objects are stringified first, like `FilterPattern.fromObject`). */
function parsePattern(pattern: unknown): { text: string; value: Record<string, unknown> } | { error: string } {
  const text = typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
  if (text === undefined) {
    return { error: `pattern: must be a JSON object, got ${describe(pattern)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `pattern: is not valid JSON (${(e as Error).message})` };
  }
  if (!isObject(value)) {
    return { error: `pattern: must be a JSON object, got ${describe(value)}` };
  }
  return { text, value };
}

/** Compiles a pattern into a function of a flattened event; throws if it cannot be evaluated. */
function compileForMatching(pattern: unknown, prefix: string = ''): (event: FlatEvent) => boolean {
  const parsed = parsePattern(pattern);
  if ('error' in parsed) {
    throw new Error(`Invalid event pattern: ${prefix}${parsed.error}`);
  }
  const compiled = compile(parsed.value);
  const errors = compiled.problems.filter(p => p.kind === 'invalid' || p.kind === 'unmatchable').map(p => p.message);
  if (errors.length > 0) {
    throw new Error(`Invalid event pattern: ${errors.map(e => prefix + e).join('; ')}`);
  }
  return fields => compiled.branches.some(branch => matchBranch(branch, fields));
}

function compile(pattern: Record<string, unknown>): Compiled {
  const result: Compiled = { branches: [], problems: [] };
  const branches = compileObject(pattern, [], '', result);
  // event-ruler walks the fields of a rule in sorted order; it matters for `exists: false` inside arrays.
  result.branches.push(...branches.map(b => [...b.values()].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))));
  return result;
}

/**
 * Compiles a pattern object into its `$or` alternatives, each a map from field path to condition.
 * `fieldPath` is the event path (`$or` adds no step); `where` is the path shown in messages.
 */
function compileObject(obj: Record<string, unknown>, fieldPath: string[], where: string, out: Compiled): Map<string, Condition>[] {
  let branches: Map<string, Condition>[] = [new Map()];
  const keys = Object.keys(obj);
  if (keys.length === 0) {
    report(out, 'invalid', where || 'pattern', 'must not be an empty object');
  }
  for (const key of keys) {
    const value = obj[key];
    const here = where ? `${where}.${key}` : key;
    let alternatives: Map<string, Condition>[];
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        report(out, 'invalid', here, 'must be an array of at least two objects');
        continue;
      }
      alternatives = value.flatMap((branch, i) => compileObject(branch, fieldPath, `${here}[${i}]`, out));
    } else if (isObject(value)) {
      alternatives = compileObject(value, [...fieldPath, key], here, out);
    } else if (Array.isArray(value)) {
      const condition = compileValueList(value, [...fieldPath, key], here, out);
      alternatives = [new Map([[condition.path, condition]])];
    } else {
      report(out, 'invalid', here, `must be an array of match values or an object, got ${describe(value)}`);
      continue;
    }
    // AND with what came before; a later field with the same path replaces an earlier one, as in event-ruler.
    branches = branches.flatMap(b => alternatives.map(a => new Map([...b, ...a])));
  }
  return branches;
}

function compileValueList(values: unknown[], fieldPath: string[], where: string, out: Compiled): Condition {
  if (values.length === 0) {
    report(out, 'invalid', where, 'the list of match values must not be empty');
  }
  checkDynamoDBShape(fieldPath, values, where, out);
  const tests: ValueTest[] = [];
  let absentOk = false;
  for (const value of values) {
    if (isObject(value)) {
      const keys = Object.keys(value);
      if (keys.length !== 1) {
        const got = keys.length === 0 ? 'none' : `${keys.length}: ${keys.map(k => `"${k}"`).join(', ')}`;
        report(out, 'invalid', where, `an operator object must have exactly one key, got ${got}`);
        continue;
      }
      if (keys[0] === 'exists' && value.exists === false) {
        absentOk = true;
        continue;
      }
      const test = compileOperator(keys[0], value[keys[0]], where, out);
      if (test) {
        tests.push(test);
      }
    } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      // Strict equality: strings match strings, numbers match numbers numerically (3 === 3.0), and so on.
      tests.push(v => v === value);
    } else {
      report(out, 'invalid', where, `match values must be strings, numbers, booleans, null or operator objects, got ${describe(value)}`);
    }
  }
  return { path: fieldPath.join('.'), absentOk, tests };
}

/** Compiles one operator object (`{"prefix": "x"}`); returns undefined after recording a problem. */
function compileOperator(op: string, arg: unknown, where: string, out: Compiled): ValueTest | undefined {
  const invalid = (problem: string) => report(out, 'invalid', where, problem);
  switch (op) {
    case 'exists':
      return arg === true ? () => true : invalid(`the "exists" operator needs true or false, got ${describe(arg)}`);
    case 'prefix':
    case 'suffix': {
      const text = typeof arg === 'string' ? arg : ignoreCaseOperand(arg);
      if (text === undefined) {
        return invalid(`the "${op}" operator needs a string or {"equals-ignore-case": "<string>"}, got ${describe(arg)}`);
      }
      if (typeof arg === 'string') {
        return op === 'prefix' ? v => typeof v === 'string' && v.startsWith(text) : v => typeof v === 'string' && v.endsWith(text);
      }
      return stringTest(ignoreCaseRegExp(text, op === 'prefix' ? 'prefix' : 'suffix'));
    }
    case 'equals-ignore-case':
      return typeof arg === 'string'
        ? stringTest(ignoreCaseRegExp(arg, 'whole'))
        : invalid(`the "equals-ignore-case" operator needs a string, got ${describe(arg)}`);
    case 'wildcard': {
      report(out, 'pipes', where, 'the "wildcard" operator is not supported by EventBridge Pipes filters');
      const regExp = typeof arg === 'string' ? wildcardRegExp(arg, where, out) : invalid(`the "wildcard" operator needs a string, got ${describe(arg)}`);
      return regExp && stringTest(regExp);
    }
    case 'numeric':
      return compileNumeric(arg, where, out);
    case 'anything-but':
      return compileAnythingBut(arg, where, out);
    case 'cidr':
      report(out, 'pipes', where, 'the "cidr" operator is not supported by EventBridge Pipes filters');
      return report(out, 'unmatchable', where, 'the "cidr" operator is not evaluated by EventPattern.matches');
    default:
      return invalid(`unknown operator "${op}"`);
  }
}

/** The string of `{"equals-ignore-case": "<string>"}`, or undefined for any other value. */
function ignoreCaseOperand(arg: unknown): string | undefined {
  if (isObject(arg) && Object.keys(arg).length === 1 && typeof arg['equals-ignore-case'] === 'string') {
    return arg['equals-ignore-case'];
  }
  return undefined;
}

function compileNumeric(arg: unknown, where: string, out: Compiled): ValueTest | undefined {
  const invalid = (problem: string) => report(out, 'invalid', where, problem);
  if (!Array.isArray(arg)) {
    return invalid(`the "numeric" operator needs an array such as [">", 0, "<=", 5], got ${describe(arg)}`);
  }
  const comparisons: Array<{ op: string; bound: number }> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const [op, bound] = [arg[i], arg[i + 1]];
    if (typeof op !== 'string' || !NUMERIC_OPERATORS.includes(op)) {
      return invalid(`${JSON.stringify(op) ?? 'undefined'} is not a numeric operator (use "=", "<", "<=", ">" or ">=")`);
    }
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      return invalid(`the "numeric" operator needs a number after "${op}", got ${i + 1 < arg.length ? describe(bound) : 'nothing'}`);
    }
    comparisons.push({ op, bound });
  }
  const ops = comparisons.map(c => c.op);
  const wellFormed = (ops.length === 1) || (ops.length === 2 && ops[0].startsWith('>') && ops[1].startsWith('<'));
  if (!wellFormed) {
    return invalid(`the "numeric" operator takes ["=", n], one bound, or a lower bound (">" or ">=") followed by an upper bound ("<" or "<="), got ${JSON.stringify(arg)}`);
  }
  if (comparisons.length === 2 && comparisons[0].bound >= comparisons[1].bound) {
    return invalid(`the "numeric" lower bound ${comparisons[0].bound} must be less than the upper bound ${comparisons[1].bound}`);
  }
  const holds = (v: number, { op, bound }: { op: string; bound: number }) =>
    op === '=' ? v === bound : op === '<' ? v < bound : op === '<=' ? v <= bound : op === '>' ? v > bound : v >= bound;
  return v => typeof v === 'number' && comparisons.every(c => holds(v, c));
}

function compileAnythingBut(arg: unknown, where: string, out: Compiled): ValueTest | undefined {
  const invalid = (problem: string) => report(out, 'invalid', where, problem);
  const usage = 'the "anything-but" operator needs a string, a number, a non-empty list of only strings or only numbers, '
    + 'or an object with one of "prefix", "suffix", "equals-ignore-case" or "wildcard"';
  if (typeof arg === 'string' || (typeof arg === 'number' && Number.isFinite(arg))) {
    return v => v !== arg;
  }
  if (Array.isArray(arg)) {
    const allStrings = arg.every(x => typeof x === 'string');
    const allNumbers = arg.every(x => typeof x === 'number' && Number.isFinite(x));
    if (arg.length === 0 || !(allStrings || allNumbers)) {
      return invalid(`${usage}, got ${JSON.stringify(arg)}`);
    }
    // Typed comparison: a number list never excludes the string "111", and vice versa.
    return v => !arg.includes(v);
  }
  const inner = isObject(arg) ? Object.keys(arg) : [];
  if (inner.length !== 1 || !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner[0])) {
    return invalid(`${usage}, got ${JSON.stringify(arg)}`);
  }
  const [op, operand] = [inner[0], (arg as Record<string, unknown>)[inner[0]]];
  report(out, 'pipes', where, `the "anything-but" operator with "${op}" is not supported by EventBridge Pipes filters`);
  // Values that are not strings are never excluded by these string forms (as in event-ruler).
  const excluding = (excluded: (s: string) => boolean): ValueTest => v => typeof v !== 'string' || !excluded(v);
  if (op === 'prefix' || op === 'suffix') {
    if (typeof operand !== 'string' || operand === '') {
      return invalid(`the "anything-but" "${op}" value must be a non-empty string, got ${JSON.stringify(operand)}`);
    }
    return excluding(op === 'prefix' ? s => s.startsWith(operand) : s => s.endsWith(operand));
  }
  const list = typeof operand === 'string' ? [operand] : operand;
  if (!Array.isArray(list) || list.length === 0 || !list.every(x => typeof x === 'string')) {
    return invalid(`the "anything-but" "${op}" value must be a string or a non-empty list of strings, got ${JSON.stringify(operand)}`);
  }
  const regExps = list.map(text => (op === 'wildcard' ? wildcardRegExp(text, where, out) : ignoreCaseRegExp(text, 'whole')));
  if (regExps.some(r => r === undefined)) {
    return undefined;
  }
  return excluding(s => regExps.some(r => r!.test(s)));
}

function stringTest(regExp: RegExp): ValueTest {
  return v => typeof v === 'string' && regExp.test(v);
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Case-insensitive match of a whole string, a prefix or a suffix, using Unicode simple case folding. */
function ignoreCaseRegExp(text: string, anchor: 'whole' | 'prefix' | 'suffix'): RegExp {
  const body = escapeRegExp(text);
  const source = anchor === 'whole' ? `^${body}$` : anchor === 'prefix' ? `^${body}` : `${body}$`;
  return new RegExp(source, 'iu');
}

/** `*` matches any run of characters; `\*` is a literal `*` and `\\` a literal `\`. */
function wildcardRegExp(text: string, where: string, out: Compiled): RegExp | undefined {
  let source = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') {
        return report(out, 'invalid', where, `the wildcard ${JSON.stringify(text)} has a "\\" that does not escape "*" or "\\"`);
      }
      source += escapeRegExp(next);
      i++;
    } else if (c === '*') {
      if (text[i + 1] === '*') {
        return report(out, 'invalid', where, `the wildcard ${JSON.stringify(text)} must not have consecutive "*" characters`);
      }
      source += '[\\s\\S]*';
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`, 'u');
}

/** Records a problem; returns undefined so compile steps can `return report(...)`. */
function report(out: Compiled, kind: ProblemKind, where: string, problem: string): undefined {
  out.problems.push({ kind, message: `${where}: ${problem}` });
  return undefined;
}

const DYNAMODB_IMAGES = ['NewImage', 'OldImage', 'Keys'];
const DYNAMODB_TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];

/**
 * Checks a match list under `dynamodb.NewImage`, `dynamodb.OldImage` or `dynamodb.Keys` against the
 * shape of DynamoDB attribute values (`{"S": "x"}`, `{"N": "42"}`, `{"M": {...}}`, `{"L": [...]}`),
 * where a list that skips a type key, sits on `M`/`L`, or tests `N` with numbers never works.
 */
function checkDynamoDBShape(fieldPath: string[], values: unknown[], where: string, out: Compiled): void {
  if (fieldPath.length < 2 || fieldPath[0] !== 'dynamodb' || !DYNAMODB_IMAGES.includes(fieldPath[1])) {
    return;
  }
  if (fieldPath.length === 2) {
    report(out, 'dynamodb', where, `${fieldPath[1]} holds attributes; test an attribute's typed value (e.g. ${where}.id.S)`);
    return;
  }
  // After the image the path alternates attribute names and type keys; `M` is followed by a name, `L` by a type key.
  const steps = fieldPath.slice(2);
  let expectName = true;
  for (const [i, step] of steps.entries()) {
    const last = i === steps.length - 1;
    if (expectName) {
      if (last) {
        report(out, 'dynamodb', where, `DynamoDB attribute values are typed objects such as {"S": "x"}; put the match list under the type key (e.g. ${where}.S)`);
      }
      expectName = false;
    } else if (!DYNAMODB_TYPES.includes(step)) {
      report(out, 'dynamodb', where, `"${step}" is not a DynamoDB type key (${DYNAMODB_TYPES.join(', ')})`);
      return;
    } else if (last && (step === 'M' || step === 'L')) {
      report(out, 'dynamodb', where, `DynamoDB "${step}" values hold no leaf value for this list to test; `
        + `test a typed value inside (e.g. ${where}.${step === 'M' ? 'name.S' : 'S'})`);
    } else if (last && (step === 'N' || step === 'NS') && values.some(isNumberTest)) {
      report(out, 'dynamodb', where, 'DynamoDB numbers are strings in stream records (e.g. "42"), so "numeric" and number values never match them');
    } else if (!last && step !== 'M' && step !== 'L') {
      report(out, 'dynamodb', where, `a DynamoDB "${step}" value has no fields`);
      return;
    } else {
      expectName = step === 'M';
    }
  }
}

function isNumberTest(value: unknown): boolean {
  if (typeof value === 'number') {
    return true;
  }
  if (!isObject(value)) {
    return false;
  }
  const anythingBut = value['anything-but'];
  return 'numeric' in value || typeof anythingBut === 'number' || (Array.isArray(anythingBut) && anythingBut.some(x => typeof x === 'number'));
}

// ---------------------------------------------------------------------------------------------
// Matching events
// ---------------------------------------------------------------------------------------------

/** Normalises the event to JSON (as the pipe receives it) and flattens it into leaf fields. */
function toEvent(event: unknown): FlatEvent {
  const json: unknown = typeof event === 'string' ? JSON.parse(event) : JSON.parse(JSON.stringify(event) ?? 'null');
  if (!isObject(json)) {
    throw new Error(`The event must be a JSON object, got ${describe(json)}`);
  }
  return flatten(json);
}

/**
 * Flattens an event into its leaf values keyed by dotted path, as event-ruler does. Objects add a
 * path step; arrays do not, but every array gets an id and each leaf records the index of the
 * element it sits in for every enclosing array. Empty arrays and objects contribute no leaves.
 */
function flatten(event: Record<string, unknown>): FlatEvent {
  const fields: FlatEvent = new Map();
  let arrays = 0;
  const visit = (node: unknown, path: string, membership: Map<number, number>): void => {
    if (Array.isArray(node)) {
      const id = arrays++;
      node.forEach((element, index) => visit(element, path, new Map(membership).set(id, index)));
    } else if (isObject(node)) {
      for (const [key, value] of Object.entries(node)) {
        visit(value, path === '' ? key : `${path}.${key}`, membership);
      }
    } else {
      const field: Field = { value: node as Leaf, membership };
      const pathFields: PathFields = fields.get(path) ?? { all: [], byElement: new Map() };
      pathFields.all.push(field);
      membership.forEach((index, id) => {
        const byIndex = pathFields.byElement.get(id) ?? new Map<number, Field[]>();
        const inElement = byIndex.get(index) ?? [];
        inElement.push(field);
        byIndex.set(index, inElement);
        pathFields.byElement.set(id, byIndex);
      });
      fields.set(path, pathFields);
    }
  };
  visit(event, '', new Map());
  return fields;
}

/**
 * Whether one `$or` alternative matches: a depth-first search over the conditions (in path order)
 * that picks, for each, a value consistent with the array elements already chosen, or its absence
 * for `{"exists": false}`. Chosen elements are kept only for arrays that later conditions can still
 * meet, and failed states are memoised, so large arrays stay cheap.
 */
function matchBranch(conditions: Condition[], fields: FlatEvent): boolean {
  // relevant[i]: the arrays that the fields of conditions i.. sit in.
  const relevant: Array<Set<number>> = [new Set()];
  for (let i = conditions.length - 1; i >= 0; i--) {
    const ids = new Set(relevant[0]);
    for (const field of fields.get(conditions[i].path)?.all ?? []) {
      field.membership.forEach((_index, id) => ids.add(id));
    }
    relevant.unshift(ids);
  }
  const failed = new Set<string>();
  const search = (i: number, chosen: Map<number, number>): boolean => {
    if (i === conditions.length) {
      return true;
    }
    const state = `${i}|${[...chosen].map(([id, index]) => `${id}:${index}`).sort().join(',')}`;
    if (failed.has(state)) {
      return false;
    }
    const next = (merged: Map<number, number>) => new Map([...merged].filter(([id]) => relevant[i + 1].has(id)));
    const condition = conditions[i];
    const candidates = consistentFields(fields.get(condition.path), chosen);
    if (condition.absentOk && candidates.length === 0 && search(i + 1, next(chosen))) {
      return true;
    }
    for (const field of candidates) {
      if (condition.tests.some(test => test(field.value)) && search(i + 1, next(new Map([...chosen, ...field.membership])))) {
        return true;
      }
    }
    failed.add(state);
    return false;
  };
  return search(0, new Map());
}

/** The leaves of a path that are array-consistent with the chosen elements. */
function consistentFields(pathFields: PathFields | undefined, chosen: Map<number, number>): Field[] {
  if (pathFields === undefined) {
    return [];
  }
  let pool = pathFields.all;
  for (const [id, index] of chosen) {
    const byIndex = pathFields.byElement.get(id);
    if (byIndex !== undefined) {
      // Leaves of this path sit in array `id`: only those in the chosen element qualify.
      pool = byIndex.get(index) ?? [];
      break;
    }
  }
  return pool.filter(f => consistent(chosen, f.membership));
}

/** Two leaves are array-consistent if they agree on the element index of every array they share. */
function consistent(chosen: Map<number, number>, membership: Map<number, number>): boolean {
  for (const [id, index] of membership) {
    const other = chosen.get(id);
    if (other !== undefined && other !== index) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
