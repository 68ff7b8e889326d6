import * as pipes from '@aws-cdk/aws-pipes-alpha';
import { formatDynamoDBNumber } from './private/dynamodb-number';
import { lintPattern, validatePattern } from './private/event-pattern';

/**
 * The kind of change a DynamoDB stream record describes (its `eventName`).
 */
export enum DynamoDBEventName {
  /** A new item was added. */
  INSERT = 'INSERT',
  /** An existing item was updated. */
  MODIFY = 'MODIFY',
  /** An item was deleted. */
  REMOVE = 'REMOVE',
}

/**
 * The type key of a DynamoDB attribute value in a stream record (`{"S": "..."}`, `{"N": "..."}`, ...)
 * that a condition can test.
 *
 * `M` and `L` are not listed: their values are objects and lists of objects, which hold no leaf
 * value for a filter to test (`exists` works on leaves only). Reach into a map with a dotted
 * attribute path instead.
 */
export enum StreamAttributeType {
  /** String. */
  S = 'S',
  /** Number; in a stream record its value is a string such as `"42"`. */
  N = 'N',
  /** Binary, base64-encoded. */
  B = 'B',
  /** Boolean. */
  BOOL = 'BOOL',
  /** Null (`{"NULL": true}`). */
  NULL = 'NULL',
  /** String set; a condition matches if any element matches. */
  SS = 'SS',
  /** Number set (strings); a condition matches if any element matches. */
  NS = 'NS',
  /** Binary set; a condition matches if any element matches. */
  BS = 'BS',
}

/**
 * A condition on one attribute of a DynamoDB item image (or key) in a stream record.
 *
 * The attribute path is the attribute name; dots step into map attributes, so
 * `appointment.patient.email` with type `S` tests `appointment.M.patient.M.email.S`.
 * Attribute names that contain dots and list elements cannot be addressed.
 *
 * @example
 * const conditions = [
 *   AttributeCondition.stringPrefix('appointment.date', '2026-12'),
 *   AttributeCondition.numberEquals('attempt', 1),
 *   AttributeCondition.matching('email', StreamAttributeType.S, [{ suffix: '@example.com' }]),
 * ];
 */
export class AttributeCondition {
  /**
   * The string attribute equals `value` (case-sensitive).
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param value the expected string
   */
  public static stringEquals(attributePath: string, value: string): AttributeCondition {
    return new AttributeCondition(attributePath, StreamAttributeType.S, [value]);
  }

  /**
   * The attribute is a string other than `value`. Like every `anything-but`, it does not match
   * when the attribute is missing or is not a string.
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param value the excluded string
   */
  public static stringNotEquals(attributePath: string, value: string): AttributeCondition {
    return new AttributeCondition(attributePath, StreamAttributeType.S, [{ 'anything-but': value }]);
  }

  /**
   * The string attribute starts with `prefix` (case-sensitive).
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param prefix the expected beginning
   */
  public static stringPrefix(attributePath: string, prefix: string): AttributeCondition {
    return new AttributeCondition(attributePath, StreamAttributeType.S, [{ prefix }]);
  }

  /**
   * The number attribute equals `value`. Stream records carry numbers as strings, so this is a
   * string match against the number's plain decimal form (`3` matches `{"N": "3"}`, never `"3.0"`).
   * Numeric ranges are not offered: `numeric` never matches the string values of `N` attributes (see
   * the README, "Filters on numbers", for what works instead: a derived attribute, `anything-but` or
   * `prefix` on the string, or filtering in the enrichment).
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param value the expected number
   */
  public static numberEquals(attributePath: string, value: number): AttributeCondition {
    return new AttributeCondition(attributePath, StreamAttributeType.N, [formatDynamoDBNumber(value)]);
  }

  /**
   * The boolean attribute equals `value`.
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param value the expected boolean
   */
  public static booleanEquals(attributePath: string, value: boolean): AttributeCondition {
    return new AttributeCondition(attributePath, StreamAttributeType.BOOL, [value]);
  }

  /**
   * The attribute is present with the given type.
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param attributeType the attribute's type
   */
  public static exists(attributePath: string, attributeType: StreamAttributeType): AttributeCondition {
    return new AttributeCondition(attributePath, attributeType, [{ exists: true }]);
  }

  /**
   * The attribute is not present with the given type: it is missing, has another type, or the
   * record has no such image (e.g. no `NewImage` in a `REMOVE` record).
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param attributeType the attribute's type
   */
  public static notExists(attributePath: string, attributeType: StreamAttributeType): AttributeCondition {
    return new AttributeCondition(attributePath, attributeType, [{ exists: false }]);
  }

  /**
   * Any event-pattern match list for the typed value, for cases the other factories do not
   * cover, e.g. `matching('status', StreamAttributeType.S, ['NEW', 'PENDING'])` or
   * `matching('email', StreamAttributeType.S, [{ suffix: '@example.com' }])`.
   *
   * @param attributePath attribute name, with dots to step into maps
   * @param attributeType the attribute's type
   * @param matchValues the event-pattern match values (ORed)
   */
  public static matching(attributePath: string, attributeType: StreamAttributeType, matchValues: any[]): AttributeCondition {
    return new AttributeCondition(attributePath, attributeType, matchValues);
  }

  /** The attribute path, with dots stepping into maps. */
  public readonly attributePath: string;

  /** The type key the condition tests. */
  public readonly attributeType: StreamAttributeType;

  private readonly matchValues: any[];
  private readonly segments: string[];

  private constructor(attributePath: string, attributeType: StreamAttributeType, matchValues: any[]) {
    this.segments = attributePath.split('.');
    if (this.segments.some(s => s === '')) {
      throw new Error(`Invalid attribute path "${attributePath}": use names separated by single dots, e.g. "appointment.patient.email"`);
    }
    if (!Array.isArray(matchValues) || matchValues.length === 0) {
      throw new Error(`The condition on "${attributePath}" needs at least one match value`);
    }
    this.attributePath = attributePath;
    this.attributeType = attributeType;
    this.matchValues = [...matchValues];
  }

  /**
   * The pattern fragment that goes under an image (`dynamodb.NewImage`, `OldImage` or `Keys`):
   * `appointment.patient.email` equal to `x` gives
   * `{"appointment": {"M": {"patient": {"M": {"email": {"S": ["x"]}}}}}}`.
   */
  public toPattern(): { [key: string]: any } {
    let fragment: any = { [this.attributeType]: [...this.matchValues] };
    for (let i = this.segments.length - 1; i >= 0; i--) {
      fragment = { [this.segments[i]]: i === this.segments.length - 1 ? fragment : { M: fragment } };
    }
    return fragment;
  }
}

/**
 * What a DynamoDB stream filter pattern requires; all given parts must hold.
 */
export interface DynamoDBStreamFilterOptions {
  /**
   * The record is one of these kinds.
   *
   * @default - any kind
   */
  readonly eventNames?: DynamoDBEventName[];

  /**
   * Conditions on the item after the change (`dynamodb.NewImage`); the stream view type must
   * include new images.
   *
   * @default - none
   */
  readonly newImage?: AttributeCondition[];

  /**
   * Conditions on the item before the change (`dynamodb.OldImage`); the stream view type must
   * include old images.
   *
   * @default - none
   */
  readonly oldImage?: AttributeCondition[];

  /**
   * Conditions on the key attributes (`dynamodb.Keys`); top-level attributes only.
   *
   * @default - none
   */
  readonly keys?: AttributeCondition[];
}

/**
 * Builds EventBridge Pipes filters for DynamoDB stream records, adding the attribute type keys
 * (`{"S": [...]}`) that hand-written patterns often miss.
 *
 * Each method returns a filter with one pattern; all its conditions must hold (AND). For
 * alternatives (OR), combine the patterns of several filters:
 * `new pipes.Filter([...a.filters, ...b.filters])` (a pipe accepts at most 5).
 *
 * The patterns test `eventName`. The Pipes documentation lists `eventName` among the fields
 * the poller adds, which it says patterns cannot use; for DynamoDB sources it is part of the
 * stream record and such filters are in wide use, but confirm the behaviour on a deployed pipe.
 *
 * @example
 * // New and changed items whose status is OPEN, as one filter pattern.
 * const filter = DynamoDBStreamFilter.where({
 *   eventNames: [DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY],
 *   newImage: [AttributeCondition.stringEquals('status', 'OPEN')],
 * });
 * new EnrichedStreamToQueue(this, 'Open', { table, enrichmentFunction, filter });
 */
export class DynamoDBStreamFilter {
  /**
   * Records of the given kinds, e.g. `eventNames(DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY)`.
   *
   * @param names one or more event names
   *
   * @example
   * const everyChange = DynamoDBStreamFilter.eventNames(DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY, DynamoDBEventName.REMOVE);
   */
  public static eventNames(...names: DynamoDBEventName[]): pipes.IFilter {
    if (names.length === 0) {
      throw new Error('eventNames needs at least one event name');
    }
    return DynamoDBStreamFilter.where({ eventNames: names });
  }

  /**
   * Records of new items: `{"eventName": ["INSERT"]}`.
   */
  public static inserts(): pipes.IFilter {
    return DynamoDBStreamFilter.where({ eventNames: [DynamoDBEventName.INSERT] });
  }

  /**
   * Records of new items whose attributes meet all the conditions.
   *
   * @param conditions conditions on the new item (`dynamodb.NewImage`)
   *
   * @example
   * const paid = DynamoDBStreamFilter.insertsWhere([
   *   AttributeCondition.booleanEquals('paid', true),
   *   AttributeCondition.exists('customer.email', StreamAttributeType.S),
   * ]);
   */
  public static insertsWhere(conditions: AttributeCondition[]): pipes.IFilter {
    return DynamoDBStreamFilter.where({ eventNames: [DynamoDBEventName.INSERT], newImage: conditions });
  }

  /**
   * Records that meet all the given requirements.
   *
   * @param options the requirements
   */
  public static where(options: DynamoDBStreamFilterOptions): pipes.IFilter {
    return new pipes.Filter([pipes.FilterPattern.fromObject(DynamoDBStreamFilter.pattern(options))]);
  }

  /**
   * The pattern object that `where` puts in its filter, e.g.
   * `{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"email": {"S": [{"exists": true}]}}}}`.
   *
   * @param options the requirements
   * @throws Error if there is no requirement, two conditions test the same typed attribute, the
   * pattern is not valid for EventBridge Pipes (e.g. longer than 4096 characters), or it can never
   * match a stream record (e.g. `numeric` on an `N` attribute, whose values are strings)
   */
  public static pattern(options: DynamoDBStreamFilterOptions): { [key: string]: any } {
    const pattern: any = {};
    if (options.eventNames && options.eventNames.length > 0) {
      pattern.eventName = [...new Set(options.eventNames)];
    }
    const images: Array<[string, AttributeCondition[] | undefined]> = [
      ['Keys', options.keys],
      ['NewImage', options.newImage],
      ['OldImage', options.oldImage],
    ];
    for (const [image, conditions] of images) {
      for (const condition of conditions ?? []) {
        if (image === 'Keys' && condition.attributePath.includes('.')) {
          throw new Error(`Key condition on "${condition.attributePath}": keys are top-level attributes`);
        }
        pattern.dynamodb ??= {};
        pattern.dynamodb[image] ??= {};
        mergeInto(pattern.dynamodb[image], condition.toPattern(), `${image} attribute "${condition.attributePath}" (${condition.attributeType})`);
      }
    }
    if (Object.keys(pattern).length === 0) {
      throw new Error('A DynamoDB stream filter needs at least one event name or attribute condition');
    }
    const problems = [
      ...validatePattern(pattern),
      ...lintPattern(pattern).filter(f => f.severity === 'never-matches').map(f => `${f.path}: ${f.message}`),
    ];
    if (problems.length > 0) {
      throw new Error(`Invalid DynamoDB stream filter pattern: ${problems.join('; ')}`);
    }
    return pattern;
  }

  private constructor() {}
}

/** Deep-merges a condition's fragment; two match lists for the same typed attribute cannot be ANDed in one pattern. */
function mergeInto(target: Record<string, any>, fragment: Record<string, any>, what: string): void {
  for (const [key, value] of Object.entries(fragment)) {
    if (target[key] === undefined) {
      target[key] = value;
    } else if (Array.isArray(value) || Array.isArray(target[key])) {
      throw new Error(`Two conditions test ${what}; one pattern can hold only one match list per field. `
        + 'Use AttributeCondition.matching to list alternatives, or separate filter patterns.');
    } else {
      mergeInto(target[key], value, what);
    }
  }
}
