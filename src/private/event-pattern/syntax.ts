/**
 * What EventBridge Pipes rejects in a filter: malformed patterns, operators only event buses support
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html,
 * the "Pipe support" column), patterns longer than the API accepts and more patterns than a pipe
 * holds. Nothing else: a pattern that is valid but useless is a lint (lint.ts), never refused here,
 * so that the local runner executes every pattern the Pipes API accepts.
 */
import { compile, parsePattern } from './compile';
import { PIPES_LIMITS } from '../pipes-limits';

/** Longest `Pattern` string the EventBridge Pipes API accepts. */
const MAX_PATTERN_LENGTH = PIPES_LIMITS.filterPatternLength.max;
/** Most filter patterns one pipe accepts (`FilterCriteria.Filters`). */
const MAX_FILTER_PATTERNS = PIPES_LIMITS.filterPatterns.max;

/**
 * Problems that stop a pattern from working as an EventBridge Pipes filter pattern; empty if none.
 * Each message starts with the field path (or `pattern`) it is about.
 */
export function validatePattern(pattern: unknown): string[] {
  const parsed = parsePattern(pattern);
  if ('error' in parsed) {
    return [parsed.error];
  }
  const problems: string[] = [];
  // The API counts characters (Unicode code points), as the Smithy length trait does.
  const length = [...parsed.text].length;
  if (length > MAX_PATTERN_LENGTH) {
    problems.push(`pattern: is ${length} characters long; EventBridge Pipes accepts at most ${MAX_PATTERN_LENGTH}`);
  }
  const compiled = compile(parsed.value);
  return [...problems, ...compiled.problems.filter(p => p.kind !== 'unmatchable').map(p => p.message)];
}

/**
 * Problems of all patterns of a filter, each prefixed with `filters[i]: `, plus a problem if there
 * are more patterns than a pipe accepts.
 */
export function validateFilterPatterns(patterns: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (patterns.length > MAX_FILTER_PATTERNS) {
    problems.push(`a pipe accepts at most ${MAX_FILTER_PATTERNS} filter patterns, got ${patterns.length}`);
  }
  patterns.forEach((pattern, i) => {
    for (const problem of validatePattern(pattern)) {
      problems.push(`filters[${i}]: ${problem}`);
    }
  });
  return problems;
}
