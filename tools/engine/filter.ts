/**
 * The filter stage, shared by the local pipe runner and the replay tool.
 *
 * - Filter: a record passes when any pattern of `FilterCriteria` matches it; no patterns, every record
 *   passes (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html),
 *   evaluated with the library's `EventPattern`.
 */
import { EventPattern } from '../../src/testing/event-pattern';
import { PipeDefinition } from '../pipe/definition';

/** Whether a record passes the pipe's filter (any pattern matches; no pattern: every record). */
export function matchesFilter(pipe: PipeDefinition, record: unknown): boolean {
  if (pipe.filterPatterns.length === 0) {
    return true;
  }
  return pipe.filterPatterns.some(pattern => EventPattern.matches(pattern, record));
}

/**
 * Why a record that the filter dropped matches no pattern, one entry per reason.
 *
 * PLACEHOLDER: says only that no pattern matched. It is to be replaced by the pattern engine's
 * explanation (`explainPattern(pattern, candidate)` in src/private/event-pattern/explain.ts, being
 * written on another branch), one entry per failing field of each pattern.
 */
export function explainFilter(_pipe: PipeDefinition, _record: unknown): string[] {
  return ['matches no filter pattern'];
}
