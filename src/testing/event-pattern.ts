import * as pipes from '@aws-cdk/aws-pipes-alpha';
import {
  explainFilter, explainPattern, filterMatches, lintPattern, matchesPattern, validateFilterPatterns, validatePattern,
} from '../private/event-pattern';

/**
 * Offline evaluation, validation and explanation of EventBridge Pipes filter patterns.
 *
 * `matches` follows aws/event-ruler, the engine behind EventBridge event patterns: exact values
 * (strings, numbers, booleans, null, empty string), `anything-but`, `numeric`, `exists`, `prefix`,
 * `suffix`, `equals-ignore-case`, their ignore-case forms, `wildcard` and `$or`, with event arrays,
 * nested fields and array consistency (all fields matched inside an array of objects must come from
 * the same element). Numbers compare as numbers (`3` matches `3.0`); a string never matches a number.
 *
 * `validate` reports what EventBridge Pipes would reject; `lint` what it accepts but can never do
 * what it says on a DynamoDB stream record; `explain` why a record does not match. Use them in unit
 * tests of a pipe's filter, e.g. with records from `DynamoDBStreamRecord`.
 *
 * Events are matched as given. Pipes parses JSON payloads before filtering (an SQS `body` that holds
 * JSON, a decoded Kinesis `data`); pass such events with the payload already parsed.
 *
 * @example
 * import { testing } from 'cdk-enriched-stream-to-queue';
 *
 * const record = testing.DynamoDBStreamRecord.insert({ id: 'a1', status: 'OPEN' });
 * testing.EventPattern.matches({ 'eventName': ['INSERT'] }, record); // true
 * testing.EventPattern.filterMatches(DynamoDBStreamFilter.inserts(), record); // true
 * testing.EventPattern.lint({ 'dynamodb': { 'NewImage': { 'status': ['OPEN'] } } }); // one finding: no type key
 * testing.EventPattern.explain({ eventName: ['insert'] }, record); // why not: eventName is upper case
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
    return matchesPattern(pattern, candidate);
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
    return filterMatches(filter.filters.map(f => f.pattern), candidate);
  }

  /**
   * Why an event does not match a pattern: empty when it matches; otherwise one entry per failing
   * field, `<path>: wanted <match values>, the record holds <value>`, with a hint for the usual
   * mistakes on DynamoDB stream records: a condition without the type key (`status` instead of
   * `status.S`), a number where the stream has a string (`N` values are strings), `insert` instead of
   * `INSERT`, a test of `OldImage` on a record without one (an INSERT), `body` where the record has
   * `dynamodb`.
   *
   * @param pattern the pattern, as an object or as its JSON string
   * @param candidate the event as the filter sees it, as an object or JSON string
   * @throws Error if the pattern is not a valid event pattern (as `matches` does)
   *
   * @example
   * import { testing } from 'cdk-enriched-stream-to-queue';
   *
   * const record = testing.DynamoDBStreamRecord.insert({ id: 'a1', status: 'OPEN' });
   * testing.EventPattern.explain({ 'dynamodb': { 'NewImage': { 'status': ['OPEN'] } } }, record);
   * // ['dynamodb.NewImage.status: wanted ["OPEN"], the record holds {"S":"OPEN"}; hint: DynamoDB attribute values
   * //   are typed objects; put the list under the type key: dynamodb.NewImage.status.S']
   */
  public static explain(pattern: any, candidate: any): string[] {
    return explainPattern(pattern, candidate);
  }

  /**
   * Why a pipe filter does not let an event through: empty when any of its patterns matches (or it
   * has none); otherwise the explanation of every pattern, each entry starting with the pattern it
   * is about (`filters[1] (pattern 2 of 3): ...`; `filters[0]: ...` for a filter of one pattern).
   *
   * @param filter the pipe filter
   * @param candidate the event as the filter sees it
   * @throws Error if any of the filter's patterns is not a valid event pattern
   */
  public static explainFilter(filter: pipes.IFilter, candidate: any): string[] {
    return explainFilter(filter.filters.map(f => f.pattern), candidate);
  }

  /**
   * What EventBridge Pipes would reject in a pattern: malformed JSON, a pattern that is not an
   * object, match values that are not arrays, unknown or malformed operators, operators Pipes does
   * not support (`wildcard`, `cidr`, `anything-but` with `prefix`/`suffix`/`equals-ignore-case`/`wildcard`)
   * and patterns longer than 4096 characters. Each message starts with the field path (or `pattern`)
   * it is about. A pattern that Pipes accepts but that cannot work on a DynamoDB stream record is
   * not reported here: see `lint`.
   *
   * @param pattern the pattern, as an object or as its JSON string
   * @returns human-readable problems; empty if Pipes accepts the pattern
   */
  public static validate(pattern: any): string[] {
    return validatePattern(pattern);
  }

  /**
   * Problems of all patterns of a pipe filter, each prefixed with `filters[i]: `, plus a problem
   * if the filter has more patterns than a pipe accepts (5).
   *
   * @param filter the pipe filter
   * @returns human-readable problems; empty if the filter is fine
   */
  public static validateFilter(filter: pipes.IFilter): string[] {
    return validateFilterPatterns(filter.filters.map(f => f.pattern));
  }

  /**
   * What in a pattern that Pipes accepts can never do what it says on a DynamoDB stream record:
   * a test without the type key (`email` instead of `email.S`) or on an `M` or `L` value, `numeric`
   * or numbers on an `N` value (stream records hold numbers as strings), `eventName` values in the
   * wrong case, an `OldImage` test where only INSERT records pass. Each entry reads
   * `<path>: <what never matches>: <why>`; a part that `{"exists": false}` makes always true reads
   * `<path>: {"exists": false} always holds: <why>`. Empty when nothing is found. Never throws: an
   * invalid pattern has no findings (see `validate`).
   *
   * @param pattern the pattern, as an object or as its JSON string
   */
  public static lint(pattern: any): string[] {
    return lintPattern(pattern).map(f => `${f.path}: ${f.message}`);
  }

  /**
   * The findings of `lint` for every pattern of a pipe filter, each prefixed with `filters[i]: `.
   *
   * @param filter the pipe filter
   */
  public static lintFilter(filter: pipes.IFilter): string[] {
    return filter.filters.flatMap((f, i) => EventPattern.lint(f.pattern).map(finding => `filters[${i}]: ${finding}`));
  }

  private constructor() {}
}
