/**
 * `cdk-enriched-stream-to-queue/enrichment`: write the Lambda enrichment of an
 * `EnrichedStreamToQueue` pipe (DynamoDB stream -> enrichment -> SQS queue) as one function per
 * record (`perRecord`) or per batch (`perBatch`). The kit takes the pipe's batch, checks its shape,
 * unmarshalls `Keys`, `NewImage` and `OldImage` to plain JSON without losing big numbers, sets or
 * binary values, calls your function, keeps the order, refuses a result the SQS target could not
 * take, and throws whenever something is wrong, so that the pipe retries the batch instead of
 * delivering an error as a message.
 *
 * What Pipes does, and the pages that say so:
 * - The enrichment receives a JSON array of records, even for a batch of one, and may return an
 *   array shorter or longer than the batch; if the array is larger than the batch size the target
 *   supports (10 for an SQS queue), the pipe does not invoke the target. Partial batch failure is not
 *   supported for an enrichment.
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html
 * - An enrichment may act as a filter and pass fewer events; an empty response (`""`, `{}` or `[]`)
 *   does not invoke the target. Responses are limited to 6 MB.
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html
 * - A logic error in a synchronously invoked Lambda function is a customer invocation error, retried
 *   as the pipe's retry policy says (for a stream source: up to `MaximumRetryAttempts`, then the
 *   dead-letter queue).
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html
 * - The records have the shape of the Lambda DynamoDB event record (`eventID`, `eventName`,
 *   `dynamodb.Keys`, `NewImage`, `OldImage`, ...).
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html
 *
 * Where AWS is silent: no page says what a pipe does when the enrichment returns `null`, nothing, or
 * an array holding `null`. The kit never returns any of these: your function returning `null` or
 * `undefined` is an error (most often a forgotten `return`, which would otherwise drop the record
 * silently), and a record is left out only when you say so with `SKIP`.
 *
 * Published as a bundle (enrichment/index.js) with these self-contained types: it has no runtime
 * dependency, not even the AWS SDK, so it adds nothing to the construct's dependencies and a few KB
 * to your function.
 */

/** A JSON value, as the kit gives you an image and as the pipe will serialise your results. */
export type Value = string | number | boolean | null | Value[] | Item;

/** An item (an image, the keys, or a map attribute) as plain JSON. */
export interface Item {
  [name: string]: Value;
}

/** A DynamoDB attribute value as the record's JSON holds it, e.g. `{ "N": "42" }`. */
export interface AttributeValue {
  readonly [type: string]: unknown;
}

/** A map of attribute values: `dynamodb.Keys`, `NewImage` or `OldImage`. */
export interface AttributeMap {
  readonly [name: string]: AttributeValue;
}

/** The event names of DynamoDB stream records. */
export type EventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** A DynamoDB stream record as the pipe hands it to the enrichment (the Lambda event record shape). */
export interface PipeStreamRecord {
  readonly eventID: string;
  readonly eventName: EventName;
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion?: string;
  readonly eventSourceARN?: string;
  readonly dynamodb: {
    /** Seconds since the epoch. */
    readonly ApproximateCreationDateTime?: number;
    readonly Keys: AttributeMap;
    readonly NewImage?: AttributeMap;
    readonly OldImage?: AttributeMap;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
}

/**
 * One record of the batch, unmarshalled. `TImage` is the type you declare for your items: the kit
 * does not check it (parse the image with a schema, e.g. zod, when other writers share the table).
 */
export interface EnrichmentRecord<TImage = Item> {
  /** Unique per stream record: the key to deduplicate on (for example with Powertools idempotency). */
  readonly eventID: string;
  readonly eventName: EventName;
  /** The item's key attributes. */
  readonly keys: Item;
  /** The item after the change; absent for REMOVE and for streams without new images. */
  readonly newImage?: TImage;
  /** The item before the change; absent for INSERT and for streams without old images. */
  readonly oldImage?: TImage;
  /** `dynamodb.SequenceNumber`: the record's position in its shard. */
  readonly sequenceNumber?: string;
  /** `dynamodb.ApproximateCreationDateTime`, in seconds since the epoch. */
  readonly approximateCreationDateTime?: number;
  readonly eventSourceARN?: string;
  readonly awsRegion?: string;
  /** The record exactly as the pipe sent it. */
  readonly raw: PipeStreamRecord;
}

/**
 * How `N` values (and the elements of `NS` sets) become JSON:
 * - `'auto'`: a JSON number when it denotes exactly the stored decimal (an integer within
 *   ±(2^53 - 1), or a fraction whose shortest JavaScript spelling is the stored decimal, e.g. `3.14`);
 *   otherwise the stored decimal string, unchanged (`"9007199254740993"`,
 *   `"0.30000000000000001"`). A field can hence hold a number in one record and a string in another.
 * - `'string'`: always the stored decimal string, so that a field has one type.
 */
export type NumberMode = 'auto' | 'string';

/** Options of perRecord, perBatch, parseBatch and unmarshallImage. */
export interface EnrichmentOptions {
  /**
   * How numbers become JSON (see NumberMode).
   * @default 'auto'
   */
  readonly numbers?: NumberMode;
}

/** The Lambda handler the kit builds: the pipe's batch in, the messages out. */
export type EnrichmentHandler<TResult> = (event: unknown) => Promise<TResult[]>;

/**
 * Return this from a perRecord function to leave the record out of the results: it then reaches no
 * message. When every record of a batch is skipped, the handler returns `[]`, and the pipe does not
 * invoke its target (pipes-enrichment.html, "Filtering events using enrichment").
 */
export const SKIP: unique symbol = Symbol.for('cdk-enriched-stream-to-queue/enrichment.SKIP');
/** The type of SKIP. */
export type Skip = typeof SKIP;

/** An SQS target takes at most 10 messages per batch (eb-pipes-batching-concurrency.html). */
export const MAX_RESULTS = 10;

/** Details of an EnrichmentError. */
export interface EnrichmentErrorDetails {
  /** The position in the batch of the record concerned. */
  readonly recordIndex?: number;
  readonly eventID?: string;
  /** The error your function threw. */
  readonly cause?: unknown;
}

/**
 * What the kit throws: a batch that is not a DynamoDB stream batch, a result the target could not
 * take, or your function's error (as `cause`, with the record it failed on). Thrown, never returned,
 * so the pipe retries the batch.
 */
export class EnrichmentError extends Error {
  public readonly recordIndex?: number;
  public readonly eventID?: string;

  constructor(message: string, details: EnrichmentErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EnrichmentError';
    this.recordIndex = details.recordIndex;
    this.eventID = details.eventID;
  }
}

const EVENT_NAMES: readonly string[] = ['INSERT', 'MODIFY', 'REMOVE'];
const NUMBER_MODES: readonly string[] = ['auto', 'string'];
const TYPE_KEYS = 'S, N, B, BOOL, NULL, M, L, SS, NS or BS';
/** A decimal number as DynamoDB writes it, plain or with an exponent. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** What a value is, for messages; never the value itself, which may be personal data. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The decimal `text` denotes as `[-]digitsEexponent` without leading or trailing zero digits, so
 * that two spellings of one number compare equal (`1.50E+2` and `150` both give `15e1`). DynamoDB
 * trims leading and trailing zeroes itself (HowItWorks.NamingRulesDataTypes.html).
 */
function canonicalDecimal(text: string): string {
  const negative = text.startsWith('-');
  const [mantissa, exponentText = '0'] = text.replace(/^[-+]/, '').toLowerCase().split('e');
  const [whole, fraction = ''] = mantissa.split('.');
  const digits = (whole + fraction).replace(/^0+/, '');
  const significant = digits.replace(/0+$/, '');
  if (significant === '') return '0';
  const exponent = Number(exponentText) - fraction.length + (digits.length - significant.length);
  return `${negative ? '-' : ''}${significant}e${exponent}`;
}

/**
 * A DynamoDB number (up to 38 digits of precision, carried as a string:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html)
 * as JSON; see NumberMode.
 */
function numberToValue(text: unknown, path: string, numbers: NumberMode): number | string {
  if (typeof text !== 'string' || !DECIMAL.test(text)) {
    throw new EnrichmentError(`${path} is not a DynamoDB number: an N value is a string holding a decimal number`);
  }
  if (numbers === 'string') return text;
  const value = Number(text);
  if (value === 0) return 0;
  if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) return text;
  return canonicalDecimal(String(value)) === canonicalDecimal(text) ? value : text;
}

function stringsOf(content: unknown, path: string, type: string): string[] {
  if (!Array.isArray(content) || !content.every((element) => typeof element === 'string')) {
    throw new EnrichmentError(`${path} is not a valid ${type} value: it must be an array of strings`);
  }
  return [...content];
}

/**
 * One attribute value as JSON: `S` a string, `N` see NumberMode, `B` the base64 string the record
 * carries, `BOOL` a boolean, `NULL` null, `M` an object, `L` an array, and the sets `SS`, `NS`, `BS`
 * arrays in the record's order (DynamoDB does not preserve the order of a set's values).
 */
function attributeToValue(attribute: unknown, path: string, numbers: NumberMode): Value {
  if (!isObject(attribute)) {
    throw new EnrichmentError(`${path} is not a DynamoDB attribute value: expected an object with one type key (${TYPE_KEYS}), got ${describe(attribute)}`);
  }
  const entries = Object.entries(attribute);
  if (entries.length !== 1) {
    throw new EnrichmentError(`${path} is not a DynamoDB attribute value: it must have exactly one type key (${TYPE_KEYS}), it has ${entries.length}`);
  }
  const [type, content] = entries[0];
  switch (type) {
    case 'S':
    case 'B':
      if (typeof content !== 'string') throw new EnrichmentError(`${path} is not a valid ${type} value: it must be a string`);
      return content;
    case 'N':
      return numberToValue(content, path, numbers);
    case 'BOOL':
      if (typeof content !== 'boolean') throw new EnrichmentError(`${path} is not a valid BOOL value: it must be true or false`);
      return content;
    case 'NULL':
      return null;
    case 'SS':
    case 'BS':
      return stringsOf(content, path, type);
    case 'NS':
      return stringsOf(content, path, type).map((text, index) => numberToValue(text, `${path}[${index}]`, numbers));
    case 'L':
      if (!Array.isArray(content)) throw new EnrichmentError(`${path} is not a valid L value: it must be an array`);
      return content.map((element, index) => attributeToValue(element, `${path}[${index}]`, numbers));
    case 'M':
      return mapToItem(content, path, numbers);
    default:
      throw new EnrichmentError(`${path} has the unknown DynamoDB type key "${type}": the type keys are ${TYPE_KEYS}`);
  }
}

function mapToItem(map: unknown, path: string, numbers: NumberMode): Item {
  if (!isObject(map)) throw new EnrichmentError(`${path} must be an object of attribute values, got ${describe(map)}`);
  const item: Item = {};
  for (const [name, attribute] of Object.entries(map)) item[name] = attributeToValue(attribute, `${path}.${name}`, numbers);
  return item;
}

function numberModeOf(options: EnrichmentOptions | undefined, caller: string): NumberMode {
  const numbers = options?.numbers ?? 'auto';
  if (!NUMBER_MODES.includes(numbers)) {
    throw new EnrichmentError(`${caller}: numbers must be 'auto' or 'string', got ${JSON.stringify(numbers) ?? describe(numbers)}`);
  }
  return numbers;
}

/**
 * An image or the keys of a stream record (a map of attribute values) as plain JSON; see NumberMode
 * for numbers. Throws an EnrichmentError naming the attribute when a value is not a valid attribute
 * value.
 */
export function unmarshallImage(image: AttributeMap, options?: EnrichmentOptions): Item {
  return mapToItem(image, 'image', numberModeOf(options, 'unmarshallImage'));
}

function batchShapeError(event: unknown): EnrichmentError {
  const what = isObject(event) && Array.isArray(event.Records)
    ? 'an object with "Records": that is the event of a Lambda event source mapping; a pipe sends the bare array'
    : describe(event);
  return new EnrichmentError(`The enrichment expects the pipe's batch, a JSON array of DynamoDB stream records, got ${what}`);
}

function toRecord<TImage>(raw: unknown, index: number, numbers: NumberMode): EnrichmentRecord<TImage> {
  const at = `records[${index}]`;
  if (!isObject(raw)) {
    throw new EnrichmentError(`${at} is not a DynamoDB stream record: expected an object, got ${describe(raw)}`, { recordIndex: index });
  }
  const { eventID, eventName, dynamodb } = raw;
  if (typeof eventID !== 'string' || eventID === '') {
    throw new EnrichmentError(`${at}.eventID must be a non-empty string, got ${describe(eventID)}`, { recordIndex: index });
  }
  const details = { recordIndex: index, eventID };
  if (typeof eventName !== 'string' || !EVENT_NAMES.includes(eventName)) {
    const got = typeof eventName === 'string' ? JSON.stringify(eventName) : describe(eventName);
    throw new EnrichmentError(`${at}.eventName must be INSERT, MODIFY or REMOVE, got ${got}`, details);
  }
  if (!isObject(dynamodb)) {
    throw new EnrichmentError(
      `${at} has no "dynamodb" object: the kit takes DynamoDB stream records as the pipe's source sends them `
      + '(is the source a DynamoDB stream, and the enrichment without an input transformation?)', details);
  }
  const unmarshall = (name: string): Item | undefined => {
    if (dynamodb[name] === undefined && name !== 'Keys') return undefined;
    try {
      return mapToItem(dynamodb[name], `${at}.dynamodb.${name}`, numbers);
    } catch (error) {
      throw new EnrichmentError((error as Error).message, details);
    }
  };
  const keys = unmarshall('Keys')!;
  const newImage = unmarshall('NewImage');
  const oldImage = unmarshall('OldImage');
  return {
    eventID,
    eventName: eventName as EventName,
    keys,
    ...(newImage === undefined ? {} : { newImage: newImage as unknown as TImage }),
    ...(oldImage === undefined ? {} : { oldImage: oldImage as unknown as TImage }),
    ...(typeof dynamodb.SequenceNumber === 'string' ? { sequenceNumber: dynamodb.SequenceNumber } : {}),
    ...(typeof dynamodb.ApproximateCreationDateTime === 'number' ? { approximateCreationDateTime: dynamodb.ApproximateCreationDateTime } : {}),
    ...(typeof raw.eventSourceARN === 'string' ? { eventSourceARN: raw.eventSourceARN } : {}),
    ...(typeof raw.awsRegion === 'string' ? { awsRegion: raw.awsRegion } : {}),
    raw: raw as unknown as PipeStreamRecord,
  };
}

/**
 * Checks that `event` is a pipe's batch of DynamoDB stream records and unmarshalls each record, in
 * order. Throws an EnrichmentError naming the first record (and attribute) that is not valid. Use it
 * when you write the handler yourself; perRecord and perBatch call it for you.
 */
export function parseBatch<TImage = Item>(event: unknown, options?: EnrichmentOptions): Array<EnrichmentRecord<TImage>> {
  const numbers = numberModeOf(options, 'parseBatch');
  if (!Array.isArray(event)) throw batchShapeError(event);
  return event.map((raw, index) => toRecord<TImage>(raw, index, numbers));
}

function requireFunction(fn: unknown, caller: string, shape: string): void {
  if (typeof fn !== 'function') throw new EnrichmentError(`${caller}: expected a function ${shape}, got ${describe(fn)}`);
}

function tooManyResults(what: string, fix: string): EnrichmentError {
  return new EnrichmentError(
    `${what}, one message each, but an SQS target takes at most ${MAX_RESULTS} per batch `
    + `and a pipe does not invoke its target when the enrichment returns more: ${fix}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds an enrichment handler that calls `enrich` once per record and returns one result per
 * record, in the batch's order (or fewer, where `enrich` returns SKIP). The calls run concurrently
 * (a batch holds at most 10 records); the handler waits for all of them.
 *
 * Throws an EnrichmentError, so that the pipe retries the batch, when: the batch is not a DynamoDB
 * stream batch; it holds more than 10 records (their results could not all reach an SQS target);
 * `enrich` throws (the error names the first record that failed, and carries your error as `cause`);
 * `enrich` returns `null` or `undefined` (return SKIP to leave a record out), or an Error object
 * instead of throwing it.
 *
 * @example
 * export const handler = perRecord(async (record: EnrichmentRecord<Order>) =>
 *   record.newImage ? { orderId: record.newImage.orderId, lines: record.newImage.lines.length } : SKIP);
 */
export function perRecord<TResult, TImage = Item>(
  enrich: (record: EnrichmentRecord<TImage>) => TResult | Skip | PromiseLike<TResult | Skip>,
  options?: EnrichmentOptions,
): EnrichmentHandler<TResult> {
  requireFunction(enrich, 'perRecord', '(record) => result');
  const numbers = numberModeOf(options, 'perRecord');
  return async (event) => {
    const records = parseBatch<TImage>(event, { numbers });
    if (records.length > MAX_RESULTS) {
      throw tooManyResults(`perRecord: the batch holds ${records.length} records`, `set the pipe's batchSize to ${MAX_RESULTS} or less`);
    }
    const outcomes = await Promise.allSettled(records.map(async (record) => enrich(record)));
    const results: TResult[] = [];
    outcomes.forEach((outcome, index) => {
      const at = `records[${index}] (eventID ${JSON.stringify(records[index].eventID)})`;
      const details = { recordIndex: index, eventID: records[index].eventID };
      if (outcome.status === 'rejected') {
        throw new EnrichmentError(`perRecord: the function failed on ${at}: ${messageOf(outcome.reason)}`, { ...details, cause: outcome.reason });
      }
      const result = outcome.value;
      if (result === null || result === undefined) {
        throw new EnrichmentError(`perRecord: the function returned ${String(result)} for ${at}: return the record's message, or SKIP to leave the record out`, details);
      }
      if (result instanceof Error) {
        throw new EnrichmentError(`perRecord: the function returned an Error for ${at} instead of throwing it: throw, so that the pipe retries the batch`, { ...details, cause: result });
      }
      if (result !== SKIP) results.push(result as TResult);
    });
    return results;
  };
}

/**
 * Builds an enrichment handler that calls `enrich` once with all the batch's records and returns
 * its results: one message each, in the order returned. They need not match the records one to one
 * (return fewer to leave records out, `[]` for none), but there may be at most 10. An empty batch
 * returns `[]` without calling `enrich`.
 *
 * Throws an EnrichmentError, so that the pipe retries the batch, when: the batch is not a DynamoDB
 * stream batch; `enrich` returns something other than an array, more than 10 results, or a `null`,
 * `undefined`, SKIP or Error element. An error `enrich` throws is rethrown unchanged.
 *
 * @example
 * export const handler = perBatch(async (records: Array<EnrichmentRecord<Order>>) => {
 *   const customers = await getCustomers(records.map((record) => record.keys.customerId)); // one batch call
 *   return records.map((record) => ({ ...record.newImage, customer: customers.get(record.keys.customerId) }));
 * });
 */
export function perBatch<TResult, TImage = Item>(
  enrich: (records: Array<EnrichmentRecord<TImage>>) => readonly TResult[] | PromiseLike<readonly TResult[]>,
  options?: EnrichmentOptions,
): EnrichmentHandler<TResult> {
  requireFunction(enrich, 'perBatch', '(records) => results');
  const numbers = numberModeOf(options, 'perBatch');
  return async (event) => {
    const records = parseBatch<TImage>(event, { numbers });
    if (records.length === 0) return [];
    const results: unknown = await enrich(records);
    if (!Array.isArray(results)) {
      throw new EnrichmentError(`perBatch: the function must return an array, one element per message, got ${describe(results)}`);
    }
    if (results.length > MAX_RESULTS) {
      throw tooManyResults(`perBatch: the function returned ${results.length} results`, `return at most ${MAX_RESULTS}`);
    }
    results.forEach((result: unknown, index) => {
      if (result === null || result === undefined || result === SKIP) {
        const what = result === SKIP ? 'SKIP, which only perRecord understands' : String(result);
        throw new EnrichmentError(`perBatch: result ${index} is ${what}: every element becomes one message; return fewer elements to leave records out`);
      }
      if (result instanceof Error) {
        throw new EnrichmentError(`perBatch: result ${index} is an Error instead of a thrown error: throw, so that the pipe retries the batch`, { cause: result });
      }
    });
    return [...results] as TResult[];
  };
}
