/**
 * Parsing and compiling EventBridge event patterns into their `$or` alternatives, each a list of
 * conditions on event fields. The matcher (match.ts), the syntax check (syntax.ts), the lints
 * (lint.ts) and the explanations (explain.ts) all work on this compiled form.
 */
import { describe, isObject } from './values';

const NUMERIC_OPERATORS = ['=', '<', '<=', '>', '>='];

export type Leaf = string | number | boolean | null;
export type ValueTest = (value: Leaf) => boolean;

/**
 * What one entry of a value list tests: a literal of a JSON type (`"x"`, `5`, `true`, `null`) or an
 * operator (`prefix`, `numeric`, ...; `exists` is split by its argument).
 */
export type EntryKind = 'string' | 'number' | 'boolean' | 'null' | 'exists-true' | 'exists-false' | 'prefix' | 'suffix'
| 'equals-ignore-case' | 'wildcard' | 'numeric' | 'anything-but' | 'cidr';

/** One entry of a value list, as written, with its kind. */
export interface MatchEntry {
  readonly kind: EntryKind;
  /** The entry as written in the pattern (`"x"`, `{"prefix": "x"}`). */
  readonly value: unknown;
}

/** One named field of a compiled pattern: the event-ruler "field name" and the tests of its value list. */
export interface Condition {
  /** Dotted path of the leaf, as event-ruler names it (`dynamodb.NewImage.id.S`). */
  readonly path: string;
  /** The event path's steps (`["dynamodb", "NewImage", "id", "S"]`). */
  readonly segments: readonly string[];
  /** The path shown in messages: the event path, with the `$or` branches it sits in (`$or[1].dynamodb...`). */
  readonly where: string;
  /** The value list holds `{"exists": false}`: an absent field satisfies it. */
  readonly absentOk: boolean;
  /** Tests of the other entries; a present value satisfies the condition if any test accepts it. */
  readonly tests: ValueTest[];
  /** Every well-formed entry of the value list, in order. */
  readonly entries: readonly MatchEntry[];
}

/**
 * What is wrong with a pattern:
 * - `invalid`: not a valid event pattern at all (`matches` throws);
 * - `pipes`: valid event-pattern syntax that EventBridge Pipes does not support;
 * - `unmatchable`: valid, but this matcher cannot evaluate it (`matches` throws; `validate` does not report it).
 */
export type ProblemKind = 'invalid' | 'pipes' | 'unmatchable';

export interface Compiled {
  /** Alternatives after expanding `$or`; each is a set of conditions that must all hold. */
  readonly branches: Condition[][];
  /** Problems, in the order of the pattern's fields. */
  readonly problems: Array<{ readonly kind: ProblemKind; readonly message: string }>;
}

/** The pattern as Pipes receives it: the JSON text and its parsed value (objects are stringified first, like `FilterPattern.fromObject`). */
export function parsePattern(pattern: unknown): { text: string; value: Record<string, unknown> } | { error: string } {
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

export function compile(pattern: Record<string, unknown>): Compiled {
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
  const tests: ValueTest[] = [];
  const entries: MatchEntry[] = [];
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
        entries.push({ kind: 'exists-false', value });
        continue;
      }
      const test = compileOperator(keys[0], value[keys[0]], where, out);
      if (test) {
        tests.push(test);
        entries.push({ kind: keys[0] === 'exists' ? 'exists-true' : keys[0] as EntryKind, value });
      }
    } else if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      // Strict equality: strings match strings, numbers match numbers numerically (3 === 3.0), and so on.
      tests.push(v => v === value);
      entries.push({ kind: value === null ? 'null' : typeof value as EntryKind, value });
    } else {
      report(out, 'invalid', where, `match values must be strings, numbers, booleans, null or operator objects, got ${describe(value)}`);
    }
  }
  return { path: fieldPath.join('.'), segments: fieldPath, where, absentOk, tests, entries };
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
