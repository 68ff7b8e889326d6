/**
 * What EventBridge Pipes rejects in a filter: malformed patterns, operators only event buses support,
 * patterns longer than the API accepts and more patterns than a pipe holds.
 */
import { compile, parsePattern } from './compile';

/** Longest `Pattern` string the EventBridge Pipes API accepts. */
const MAX_PATTERN_LENGTH = 4096;
/** Most filter patterns one pipe accepts (`FilterCriteria.Filters`). */
const MAX_FILTER_PATTERNS = 5;

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
  if (parsed.text.length > MAX_PATTERN_LENGTH) {
    problems.push(`pattern: is ${parsed.text.length} characters long; EventBridge Pipes accepts at most ${MAX_PATTERN_LENGTH}`);
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
