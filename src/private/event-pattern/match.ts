/**
 * Matching events against compiled patterns, as aws/event-ruler (the engine behind EventBridge event
 * patterns) does: the event is flattened into leaf values keyed by dotted path, and each `$or`
 * alternative is searched for values that satisfy all its conditions within consistent array elements.
 */
import { compile, Compiled, Condition, Leaf, parsePattern } from './compile';
import { describe, isObject } from './values';

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

/** A flattened event: leaf values by dotted path. */
export type FlatEvent = Map<string, PathFields>;

/**
 * Whether an event matches a pattern (object or JSON string).
 *
 * @throws Error if the pattern is not a valid event pattern, or uses `cidr`, which this matcher does not evaluate
 */
export function matchesPattern(pattern: unknown, candidate: unknown): boolean {
  return compileForMatching(pattern)(toEvent(candidate));
}

/**
 * Whether any of the patterns matches the event (filter patterns are ORed); true when there are none.
 *
 * @throws Error if any pattern is not a valid event pattern, naming it `filters[i]`
 */
export function filterMatches(patterns: readonly unknown[], candidate: unknown): boolean {
  const matchers = patterns.map((p, i) => compileForMatching(p, `filters[${i}]: `));
  if (matchers.length === 0) {
    return true;
  }
  const fields = toEvent(candidate);
  return matchers.some(matcher => matcher(fields));
}

/** Compiles a pattern into a function of a flattened event; throws if it cannot be evaluated. */
export function compileForMatching(pattern: unknown, prefix: string = ''): (event: FlatEvent) => boolean {
  const compiled = compileEvaluable(pattern, prefix);
  return fields => compiled.branches.some(branch => matchBranch(branch, fields));
}

/** Compiles a pattern that this matcher can evaluate; throws `Invalid event pattern: ...` otherwise. */
export function compileEvaluable(pattern: unknown, prefix: string = ''): Compiled {
  const parsed = parsePattern(pattern);
  if ('error' in parsed) {
    throw new Error(`Invalid event pattern: ${prefix}${parsed.error}`);
  }
  const compiled = compile(parsed.value);
  const errors = compiled.problems.filter(p => p.kind === 'invalid' || p.kind === 'unmatchable').map(p => p.message);
  if (errors.length > 0) {
    throw new Error(`Invalid event pattern: ${errors.map(e => prefix + e).join('; ')}`);
  }
  return compiled;
}

/** The event as the pipe receives it: JSON (undefined properties dropped), which must be an object. */
export function toJson(event: unknown): Record<string, unknown> {
  const json: unknown = typeof event === 'string' ? JSON.parse(event) : JSON.parse(JSON.stringify(event) ?? 'null');
  if (!isObject(json)) {
    throw new Error(`The event must be a JSON object, got ${describe(json)}`);
  }
  return json;
}

/** Normalises the event to JSON (as the pipe receives it) and flattens it into leaf fields. */
export function toEvent(event: unknown): FlatEvent {
  return flatten(toJson(event));
}

/** Whether a condition holds on its own, ignoring array consistency with the other conditions. */
export function conditionHolds(condition: Condition, fields: FlatEvent): boolean {
  const values = fields.get(condition.path)?.all ?? [];
  if (values.length === 0) {
    return condition.absentOk;
  }
  return values.some(field => condition.tests.some(test => test(field.value)));
}

/** The leaf values an event holds at a path. */
export function leavesAt(fields: FlatEvent, path: string): Leaf[] {
  return (fields.get(path)?.all ?? []).map(field => field.value);
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
export function matchBranch(conditions: Condition[], fields: FlatEvent): boolean {
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
