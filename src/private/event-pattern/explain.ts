/**
 * Why a record does not match a pattern: one entry per failing field, with the path, what the
 * pattern wanted, what the record holds there, and a hint for the usual mistakes with DynamoDB
 * stream records (no type key, a number where the stream has a string, the case of `eventName`, an
 * image the record lacks, `body` where the record has `dynamodb`). See dynamodb-record.ts for the
 * record's shape and lint.ts for the pages behind the hints.
 */
import { Compiled, Condition, Leaf } from './compile';
import { EVENT_NAMES, IMAGES, NUMBER_ADVICE, TYPE_KEYS } from './dynamodb-record';
import { compileEvaluable, conditionHolds, FlatEvent, leavesAt, matchBranch, toEvent, toJson } from './match';
import { isObject } from './values';

/**
 * Why `candidate` does not match `pattern` (object or JSON string); empty when it matches.
 *
 * @throws Error if the pattern is not a valid event pattern (as `matchesPattern` does)
 */
export function explainPattern(pattern: unknown, candidate: unknown): string[] {
  const compiled = compileEvaluable(pattern);
  const json = toJson(candidate);
  return explainCompiled(compiled, json, toEvent(json));
}

/**
 * Why `candidate` passes none of a filter's patterns: the explanation of each pattern, each entry
 * prefixed with the pattern it is about (`filters[1] (pattern 2 of 2): ...`); empty when any
 * pattern matches, or when there are none (a filter without patterns passes everything).
 *
 * @throws Error if any pattern is not a valid event pattern, naming it `filters[i]`
 */
export function explainFilter(patterns: readonly unknown[], candidate: unknown): string[] {
  const compiled = patterns.map((p, i) => compileEvaluable(p, `filters[${i}]: `));
  const json = toJson(candidate);
  const fields = toEvent(json);
  if (compiled.length === 0 || compiled.some(c => c.branches.some(b => matchBranch(b, fields)))) {
    return [];
  }
  const label = (i: number) => (compiled.length === 1 ? 'filters[0]' : `filters[${i}] (pattern ${i + 1} of ${compiled.length})`);
  return compiled.flatMap((c, i) => explainCompiled(c, json, fields).map(entry => `${label(i)}: ${entry}`));
}

function explainCompiled(compiled: Compiled, json: Record<string, unknown>, fields: FlatEvent): string[] {
  if (compiled.branches.some(branch => matchBranch(branch, fields))) {
    return [];
  }
  const entries = new Map<string, string>();
  let onlyArrayConsistency = false;
  for (const branch of compiled.branches) {
    const failing = branch.filter(condition => !conditionHolds(condition, fields));
    onlyArrayConsistency ||= failing.length === 0;
    for (const condition of failing) {
      if (!entries.has(condition.where)) {
        entries.set(condition.where, explainCondition(condition, json, fields));
      }
    }
  }
  const explained = [...entries.values()];
  if (onlyArrayConsistency) {
    explained.push('pattern: each field matches on its own, but not within one element of an array '
      + '(all fields matched inside an array of objects must come from the same element)');
  }
  return explained;
}

function explainCondition(condition: Condition, json: Record<string, unknown>, fields: FlatEvent): string {
  const wanted = JSON.stringify(condition.entries.map(e => e.value));
  const leaves = leavesAt(fields, condition.path);
  const held = leaves.length === 0 ? describeNonLeaf(json, condition.segments) : JSON.stringify(leaves.length === 1 ? leaves[0] : leaves);
  const hint = hintFor(condition, json, leaves);
  return `${condition.where}: wanted ${wanted}, the record holds ${held}${hint ? `; hint: ${hint}` : ''}`;
}

/** The nodes at a path (array elements flattened), or the index of the first step that finds nothing. */
function nodesAt(json: unknown, segments: readonly string[]): { nodes: unknown[]; missingAt?: number } {
  let nodes: unknown[] = [json];
  for (const [i, step] of segments.entries()) {
    const expand = (node: unknown): unknown[] => (Array.isArray(node) ? node.flatMap(expand) : [node]);
    nodes = nodes.flatMap(expand).flatMap(node => (isObject(node) && step in node ? [node[step]] : []));
    if (nodes.length === 0) {
      return { nodes, missingAt: i };
    }
  }
  return { nodes };
}

/** What the record holds at a path without leaves: nothing (naming the first missing step), or objects. */
function describeNonLeaf(json: Record<string, unknown>, segments: readonly string[]): string {
  const { nodes, missingAt } = nodesAt(json, segments);
  if (missingAt !== undefined) {
    return `nothing (it has no ${segments.slice(0, missingAt + 1).join('.')})`;
  }
  const text = JSON.stringify(nodes.length === 1 ? nodes[0] : nodes);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function hintFor(condition: Condition, json: Record<string, unknown>, leaves: Leaf[]): string | undefined {
  return payloadHint(condition, json)
    ?? missingImageHint(condition, json)
    ?? typeKeyHint(condition, json, leaves)
    ?? numberHint(condition, leaves)
    ?? caseHint(condition, leaves);
}

/** `body`, `data` or `detail` (where SQS, Kinesis and event-bus events carry their payload) on a DynamoDB record. */
function payloadHint(condition: Condition, json: Record<string, unknown>): string | undefined {
  const first = condition.segments[0];
  if (!['body', 'data', 'detail'].includes(first) || first in json || !('dynamodb' in json)) {
    return undefined;
  }
  return `a DynamoDB stream record has no "${first}" (SQS messages carry their payload in body, Kinesis records in data, event-bus events in detail); `
    + 'the item is under dynamodb.NewImage, with typed values (e.g. {"dynamodb": {"NewImage": {"status": {"S": ["OPEN"]}}}})';
}

/** A test of `NewImage` or `OldImage` on a record without that image. */
function missingImageHint(condition: Condition, json: Record<string, unknown>): string | undefined {
  const [first, image] = condition.segments;
  const dynamodb = json.dynamodb;
  if (first !== 'dynamodb' || (image !== 'NewImage' && image !== 'OldImage') || !isObject(dynamodb) || image in dynamodb) {
    return undefined;
  }
  if (image === 'OldImage' && json.eventName === 'INSERT') {
    return 'an INSERT record has no OldImage (there is no item before the change): test dynamodb.NewImage, or match MODIFY records';
  }
  if (image === 'NewImage' && json.eventName === 'REMOVE') {
    return 'a REMOVE record has no NewImage (there is no item after the change): test dynamodb.OldImage or dynamodb.Keys';
  }
  return typeof dynamodb.StreamViewType === 'string' ? `the record's stream view type is ${dynamodb.StreamViewType}, which carries no ${image}` : undefined;
}

/** A test under an image that skips the attribute's type key, or names another type than the record's. */
function typeKeyHint(condition: Condition, json: Record<string, unknown>, leaves: Leaf[]): string | undefined {
  const segments = condition.segments;
  if (leaves.length > 0 || segments[0] !== 'dynamodb' || !IMAGES.includes(segments[1])) {
    return undefined;
  }
  const node = nodesAt(json, segments).nodes.find(isObject);
  if (node && segments.length === 2) {
    const [name, value] = Object.entries(node)[0] ?? [];
    const typeKey = isObject(value) ? Object.keys(value)[0] : 'S';
    return `${segments[1]} holds attributes, each a typed value: test one${name ? `, e.g. ${condition.where}.${name}.${typeKey}` : ''}`;
  }
  const typeKeyOf = (value: unknown) => {
    const keys = isObject(value) ? Object.keys(value) : [];
    return keys.length === 1 && TYPE_KEYS.includes(keys[0]) ? keys[0] : undefined;
  };
  const here = typeKeyOf(node);
  if (node && here) {
    return `DynamoDB attribute values are typed objects; put the list under the type key: ${condition.where}.${here}`;
  }
  const { missingAt } = nodesAt(json, segments);
  const map = missingAt !== undefined && missingAt > 2 ? nodesAt(json, segments.slice(0, missingAt)).nodes.find(isObject) : undefined;
  if (map && typeKeyOf(map) === 'M' && segments[missingAt!] !== 'M') {
    const rest = segments.slice(missingAt).join('.');
    const attribute = condition.where.slice(0, condition.where.length - rest.length - 1);
    const example = `${attribute}.M.${rest}${TYPE_KEYS.includes(segments[segments.length - 1]) ? '' : '.S'}`;
    return `this attribute is a map ({"M": {...}}): its attributes are under "M" (e.g. ${example})`;
  }
  const last = segments[segments.length - 1];
  const parent = nodesAt(json, segments.slice(0, -1)).nodes.find(isObject);
  const actual = typeKeyOf(parent);
  if (TYPE_KEYS.includes(last) && actual && actual !== last) {
    const whereParent = condition.where.slice(0, condition.where.length - last.length - 1);
    return `the record holds this attribute as ${actual} (${JSON.stringify(parent)}), not ${last}: test ${whereParent}.${actual}`;
  }
  return undefined;
}

/** Numbers in the pattern where the record holds numeric strings (always so for `N`), or the reverse. */
function numberHint(condition: Condition, leaves: Leaf[]): string | undefined {
  const numericStrings = leaves.filter((v): v is string => typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
  const numbers = condition.entries.filter(e => e.kind === 'number').map(e => e.value as number);
  const usesNumeric = condition.entries.some(e => e.kind === 'numeric');
  if (numericStrings.length > 0 && (numbers.length > 0 || usesNumeric)) {
    const typeKey = condition.segments[condition.segments.length - 1];
    const strings = typeKey === 'N' || typeKey === 'NS' ? 'DynamoDB numbers are strings in stream records' : 'the record holds the number as a string';
    const instead = numbers.length > 0 ? `write ${JSON.stringify(String(numbers[0]))} instead of ${numbers[0]}` : NUMBER_ADVICE;
    return `${strings} (${JSON.stringify(numericStrings[0])}), and "numeric" and number values match only JSON numbers; ${instead}`;
  }
  const numberLeaf = leaves.find((v): v is number => typeof v === 'number');
  const numericString = condition.entries.find(e => e.kind === 'string' && Number((e.value as string)) === numberLeaf);
  if (numberLeaf !== undefined && numericString) {
    return `the record holds the number ${numberLeaf}, and a string never matches a number: write ${numberLeaf} without quotes`;
  }
  return undefined;
}

/** A string that differs from the record's only in case. */
function caseHint(condition: Condition, leaves: Leaf[]): string | undefined {
  for (const entry of condition.entries) {
    const wanted = entry.value;
    const leaf = leaves.find((v): v is string => typeof v === 'string' && typeof wanted === 'string' && v !== wanted && v.toLowerCase() === wanted.toLowerCase());
    if (entry.kind === 'string' && leaf !== undefined) {
      return condition.path === 'eventName' && EVENT_NAMES.includes(leaf)
        ? `eventName is upper case in stream records (${EVENT_NAMES.join(', ')}): write "${leaf}"`
        : `matching is case-sensitive: write "${leaf}", or use {"equals-ignore-case": ${JSON.stringify(wanted)}}`;
    }
  }
  return undefined;
}
