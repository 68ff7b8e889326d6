/**
 * The filter: patterns EventBridge Pipes accepts (else refused), and lints (lint.ts) for patterns
 * it accepts but that cannot do what they say on this table's stream records. The construct
 * refuses a filter none of whose patterns can ever match a record, and warns about every dead part
 * of a filter that can still match: Pipes itself runs both.
 */
import * as pipes from '@aws-cdk/aws-pipes-alpha';
import { Annotations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { IConstruct } from 'constructs';
import { lintPattern, validateFilterPatterns } from './event-pattern';
import { streamViewType, tableKeySchema } from './table-inspection';
import { invalid } from './validation';

/** The id of the warnings about dead parts of a filter (acknowledge it to silence them). */
export const DEAD_FILTER_PART_WARNING = 'cdk-enriched-stream-to-queue:deadFilterPart';

/**
 * Refuses a filter without patterns, patterns Pipes would reject, and a filter that can never
 * match a record of the table's stream; warns about each dead part of a filter that still can.
 */
export function validateFilter(scope: IConstruct, filter: pipes.IFilter | undefined, table: dynamodb.ITable): void {
  if (!filter) {
    return;
  }
  if (filter.filters.length === 0) {
    invalid(scope, 'filter must have at least one pattern, got none: every record would pass (INSERT, MODIFY and REMOVE) instead of the INSERT-only default. '
      + 'To pass every kind of record on purpose, use DynamoDBStreamFilter.eventNames(DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY, DynamoDBEventName.REMOVE)');
  }
  const problems = validateFilterPatterns(filter.filters.map(f => f.pattern));
  if (problems.length > 0) {
    invalid(scope, `filter must hold patterns EventBridge Pipes accepts, got ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n  ${problems.join('\n  ')}`);
  }
  const context = { streamViewType: streamViewType(table), keySchema: tableKeySchema(table) };
  const linted = filter.filters.map(f => lintPattern(f.pattern, context));
  const dead = linted.map(findings => findings.some(f => f.severity === 'never-matches'));
  if (dead.every(d => d)) {
    const reasons = linted.flatMap((findings, i) => findings.filter(f => f.severity === 'never-matches').map(f => `filters[${i}]: ${f.path}: ${f.message}`));
    const got = dead.length === 1 ? 'a pattern that never matches' : `${dead.length} patterns that never match`;
    invalid(scope, `filter must be able to match a record of the table's stream, got ${got}:\n  ${reasons.join('\n  ')}`);
  }
  linted.forEach((findings, i) => {
    for (const finding of findings) {
      const where = dead[i] ? `filters[${i}] never matches a stream record (the filter's other patterns still can): ` : `filters[${i}]: `;
      Annotations.of(scope).addWarningV2(DEAD_FILTER_PART_WARNING, `filter: ${where}${finding.path}: ${finding.message}`);
    }
  });
}
