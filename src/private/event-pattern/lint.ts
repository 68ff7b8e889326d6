/**
 * Lints: patterns that EventBridge Pipes accepts and runs, but that cannot do what they say on a
 * DynamoDB stream record. Apart from the syntax check (syntax.ts) on purpose: the local runner
 * executes every pattern the Pipes API accepts and logs these findings as warnings, and the
 * construct refuses only a pattern that can never match as a whole.
 *
 * Grounds:
 * - numeric matching works only with JSON numbers, prefix matching with strings
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html),
 *   and Pipes filters as event buses do (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html);
 * - the record's shape: see dynamodb-record.ts;
 * - `exists` tests leaves only; on an attribute without its type key it tests an object, which
 *   `{"exists": true}` never matches and `{"exists": false}` always matches (the Lambda page on
 *   DynamoDB filtering shows exists under the type key:
 *   https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html).
 * Every finding agrees with the matcher (match.ts): a part said never to match does not match any record.
 */
import { compile, Condition, MatchEntry, parsePattern } from './compile';
import { CARRIED_BY, EVENT_NAMES, KeyAttribute, NUMBER_ADVICE, PathShape, shapeAt } from './dynamodb-record';

/**
 * - `never-matches`: the pattern as a whole can never match a stream record;
 * - `dead-alternative`: a part of it never matches (or never excludes anything), but the pattern still can match.
 */
export type LintSeverity = 'never-matches' | 'dead-alternative';

/** One finding: the field path (with the `$or` branch it sits in), what is wrong, and how bad it is. */
export interface LintFinding {
  readonly path: string;
  readonly message: string;
  readonly severity: LintSeverity;
}

/** What is known about the table whose stream the pattern filters. */
export interface LintContext {
  /** The stream view type (`NEW_IMAGE`, ...): records carry only the images it names. */
  readonly streamViewType?: string;
  /** The table's key attributes with their types (`S`, `N`, `B`). */
  readonly keySchema?: readonly KeyAttribute[];
}

/** A finding before its severity is known: `kills` when it makes its `$or` alternative unable to match. */
interface Draft {
  readonly path: string;
  readonly message: string;
  readonly kills: boolean;
}

/**
 * Findings for a pattern (object or JSON string) that filters DynamoDB stream records; empty when
 * nothing is wrong. Never throws: a pattern that is not valid syntax gets no findings (see
 * `validatePattern` for those).
 */
export function lintPattern(pattern: unknown, context: LintContext = {}): LintFinding[] {
  const parsed = parsePattern(pattern);
  if ('error' in parsed) {
    return [];
  }
  const compiled = compile(parsed.value);
  if (compiled.problems.some(p => p.kind === 'invalid')) {
    return [];
  }
  const drafts = new Map<string, Draft>();
  let live = 0;
  for (const branch of compiled.branches) {
    let dead = false;
    for (const draft of lintBranch(branch, context)) {
      drafts.set(`${draft.path}\n${draft.message}`, draft);
      dead ||= draft.kills;
    }
    live += dead ? 0 : 1;
  }
  return [...drafts.values()].map(d => ({
    path: d.path,
    message: d.message,
    severity: d.kills && live === 0 ? 'never-matches' : 'dead-alternative',
  }));
}

function lintBranch(branch: Condition[], context: LintContext): Draft[] {
  const drafts: Draft[] = [];
  const admitted = admittedEventNames(branch);
  for (const condition of branch) {
    const shape = shapeAt(condition.segments, condition.where, context.keySchema);
    if (shape === undefined) {
      continue;
    }
    const own = lintCondition(condition, shape);
    drafts.push(...own);
    if (own.some(d => d.kills) || shape.kind === 'absent') {
      continue;
    }
    const missing = missingImage(condition, admitted, context);
    if (missing) {
      drafts.push(condition.absentOk
        ? { path: condition.where, message: `{"exists": false} always holds: ${missing}`, kills: false }
        : { path: condition.where, message: `never matches: ${missing}`, kills: true });
    }
  }
  return drafts;
}

/** Findings of one condition on its own: entries that can never match the value at its path. */
function lintCondition(condition: Condition, shape: PathShape): Draft[] {
  const path = condition.where;
  if (shape.kind === 'absent') {
    if (!condition.absentOk) {
      return [{ path, message: `never matches: ${shape.reason}`, kills: true }];
    }
    const others = condition.entries.some(e => e.kind !== 'exists-false');
    return [{ path, message: `{"exists": false} always holds${others ? ' and the other values never match' : ''}: ${shape.reason}`, kills: false }];
  }
  const byReason = new Map<string, MatchEntry[]>();
  for (const entry of condition.entries) {
    const reason = deadReason(entry, shape);
    if (reason) {
      byReason.set(reason, [...(byReason.get(reason) ?? []), entry]);
    }
  }
  const deadCount = [...byReason.values()].reduce((n, list) => n + list.length, 0);
  const kills = !condition.absentOk && deadCount === condition.entries.length;
  const drafts: Draft[] = [...byReason].map(([reason, entries]) => ({
    path,
    message: `${entries.map(e => JSON.stringify(e.value)).join(', ')} never match${entries.length === 1 ? 'es' : ''}: ${reason}`,
    kills,
  }));
  const excludesNothing = condition.entries.filter(e => e.kind === 'anything-but' && excludesOnlyNumbers(e) && shape.kind === 'string');
  for (const entry of excludesNothing) {
    const asStrings = JSON.stringify({ 'anything-but': numbersOf(entry).map(String) });
    drafts.push({
      path,
      message: `${JSON.stringify(entry.value)} excludes nothing: ${valuesAre(shape)}, so every present value passes; write ${asStrings}`,
      kills: false,
    });
  }
  return drafts;
}

/** Why an entry can never match a value of the given shape, or undefined if it can. */
function deadReason(entry: MatchEntry, shape: { kind: 'string' | 'boolean'; typeKey?: string; eventName?: boolean }): string | undefined {
  const numeric = entry.kind === 'number' || entry.kind === 'numeric';
  if (shape.eventName) {
    if (entry.kind === 'string') {
      const name = entry.value as string;
      if (EVENT_NAMES.includes(name)) {
        return undefined;
      }
      return EVENT_NAMES.includes(name.toUpperCase())
        ? `eventName is upper case in stream records (${EVENT_NAMES.join(', ')}); write "${name.toUpperCase()}"`
        : `eventName is one of ${EVENT_NAMES.join(', ')}`;
    }
    return numeric || entry.kind === 'boolean' || entry.kind === 'null' ? `eventName is a string (${EVENT_NAMES.join(', ')})` : undefined;
  }
  if (numeric && (shape.typeKey === 'N' || shape.typeKey === 'NS')) {
    return `DynamoDB numbers are strings in stream records (e.g. "42"), and "numeric" and number values match only JSON numbers; ${NUMBER_ADVICE}`;
  }
  if (entry.kind === 'null') {
    return 'stream records hold no null value (a DynamoDB null is {"NULL": true})';
  }
  if (shape.kind === 'string') {
    return numeric || entry.kind === 'boolean' ? `${valuesAre(shape)}, so ${numeric ? '"numeric" and numbers' : 'true and false'} never match them` : undefined;
  }
  const stringOnly = ['string', 'prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(entry.kind);
  return numeric || stringOnly ? `${valuesAre(shape)}, so ${numeric ? '"numeric" and numbers' : 'strings and string operators'} never match them` : undefined;
}

function valuesAre(shape: { kind: 'string' | 'boolean'; typeKey?: string }): string {
  if (shape.kind === 'boolean') {
    return `"${shape.typeKey}" values are ${shape.typeKey === 'NULL' ? 'always true' : 'true or false'} in stream records`;
  }
  return `"${shape.typeKey}" values are strings in stream records`;
}

function numbersOf(entry: MatchEntry): number[] {
  const arg = (entry.value as Record<string, unknown>)['anything-but'];
  return (Array.isArray(arg) ? arg : [arg]).filter((x): x is number => typeof x === 'number');
}

function excludesOnlyNumbers(entry: MatchEntry): boolean {
  const arg = (entry.value as Record<string, unknown>)['anything-but'];
  return typeof arg === 'number' || (Array.isArray(arg) && arg.length > 0 && arg.every(x => typeof x === 'number'));
}

/** The event names an alternative admits, when it names them exactly; undefined when it admits any. */
function admittedEventNames(branch: Condition[]): string[] | undefined {
  const condition = branch.find(c => c.path === 'eventName');
  if (!condition || condition.absentOk || !condition.entries.every(e => e.kind === 'string')) {
    return undefined;
  }
  return condition.entries.map(e => e.value as string).filter(name => EVENT_NAMES.includes(name));
}

/** Why records that this alternative admits carry no image for the condition to test, or undefined. */
function missingImage(condition: Condition, admitted: string[] | undefined, context: LintContext): string | undefined {
  const image = condition.segments[1];
  if (condition.segments[0] !== 'dynamodb' || !(image in CARRIED_BY)) {
    return undefined;
  }
  const viewType = context.streamViewType;
  if (viewType !== undefined && !CARRIED_BY[image].includes(viewType)) {
    const wanted = image === 'NewImage' ? 'NEW_IMAGE or NEW_AND_OLD_IMAGES' : 'OLD_IMAGE or NEW_AND_OLD_IMAGES';
    return `the table's stream view type is ${viewType}, so its records carry no ${image}; stream ${wanted}, or test another part of the record`;
  }
  const without = image === 'OldImage' ? 'INSERT' : 'REMOVE';
  if (admitted !== undefined && admitted.length > 0 && admitted.every(name => name === without)) {
    return `only ${without} records reach this test (eventName), and ${without === 'INSERT' ? 'an INSERT record has no item before the change, so no OldImage'
      : 'a REMOVE record has no item after the change, so no NewImage'}`;
  }
  return undefined;
}
