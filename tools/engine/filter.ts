/**
 * The filter stage, shared by the local pipe runner and the replay tool.
 *
 * - Filter: a record passes when any pattern of `FilterCriteria` matches it; no patterns, every record
 *   passes (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html),
 *   evaluated with the library's pattern engine (src/private/event-pattern), which the construct and
 *   `testing.EventPattern` use too.
 */
import { explainFilter as explainPatterns, filterMatches, lintPattern, type LintFinding } from '../../src/private/event-pattern';
import { PipeDefinition } from '../pipe/definition';

/** Whether a record passes the pipe's filter (any pattern matches; no pattern: every record). */
export function matchesFilter(pipe: PipeDefinition, record: unknown): boolean {
  return filterMatches(pipe.filterPatterns, record);
}

/**
 * Why a record that the filter dropped matches no pattern: one entry per failing field of each
 * pattern, with what the pattern wanted, what the record holds, and a hint for the usual mistakes
 * (`testing.EventPattern.explainFilter` gives the same entries).
 */
export function explainFilter(pipe: PipeDefinition, record: unknown): string[] {
  return explainPatterns(pipe.filterPatterns, record);
}

/**
 * The parts of the pipe's patterns that can never match a DynamoDB stream record (the construct's
 * lints). The pipe runs them as EventBridge would; the runner names them in a WARN record.
 */
export function filterLints(pipe: PipeDefinition): Array<LintFinding & { readonly pattern: number }> {
  return pipe.filterPatterns.flatMap((pattern, index) => lintPattern(pattern).map(finding => ({ ...finding, pattern: index })));
}
