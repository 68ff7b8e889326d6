import * as pipes from '@aws-cdk/aws-pipes-alpha';
import { filterMatches, matchesPattern, validateFilterPatterns, validatePattern } from '../private/event-pattern';

/**
 * Offline evaluation and validation of EventBridge Pipes filter patterns.
 *
 * `matches` follows aws/event-ruler, the engine behind EventBridge event patterns: exact values
 * (strings, numbers, booleans, null, empty string), `anything-but`, `numeric`, `exists`, `prefix`,
 * `suffix`, `equals-ignore-case`, their ignore-case forms, `wildcard` and `$or`, with event arrays,
 * nested fields and array consistency (all fields matched inside an array of objects must come from
 * the same element). Numbers compare as numbers (`3` matches `3.0`); a string never matches a number.
 *
 * `validate` reports what EventBridge Pipes would reject, including operators that only event buses
 * support. Use both in unit tests of a pipe's filter, e.g. with records from `DynamoDBStreamRecord`.
 *
 * Events are matched as given. Pipes parses JSON payloads before filtering (an SQS `body` that holds
 * JSON, a decoded Kinesis `data`); pass such events with the payload already parsed.
 *
 * @example
 * import { testing } from 'cdk-enriched-stream-to-queue';
 *
 * const record = testing.DynamoDBStreamRecord.insert({ id: 'a1', status: 'OPEN' });
 * testing.EventPattern.matches({ eventName: ['INSERT'] }, record); // true
 * testing.EventPattern.filterMatches(DynamoDBStreamFilter.inserts(), record); // true
 * testing.EventPattern.validate({ dynamodb: { NewImage: { status: ['OPEN'] } } }); // one problem: no type key
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
   * Problems that stop a pattern from working as an EventBridge Pipes filter pattern.
   *
   * Reports malformed JSON, a pattern that is not an object, match values that are not arrays,
   * unknown or malformed operators, operators Pipes does not support (`wildcard`, `cidr`,
   * `anything-but` with `prefix`/`suffix`/`equals-ignore-case`/`wildcard`) and patterns longer than
   * 4096 characters. It also reports tests under `dynamodb.NewImage`, `dynamodb.OldImage` and
   * `dynamodb.Keys` that ignore the shape of DynamoDB attribute values: a match list without a type
   * key (`email` instead of `email.S`), on an `M` or `L` value, or with numbers on an `N` value
   * (stream records hold numbers as strings). Each message starts with the field path (or
   * `pattern`) it is about.
   *
   * @param pattern the pattern, as an object or as its JSON string
   * @returns human-readable problems; empty if the pattern is fine
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

  private constructor() {}
}
