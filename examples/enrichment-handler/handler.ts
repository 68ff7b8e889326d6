/**
 * A sample EventBridge Pipes enrichment for a DynamoDB stream source and an SQS target. Copy this
 * file, replace `enrichItems` with your own lookups, and keep the rules it follows:
 *
 * 1. Batch in: the pipe always invokes the function with a JSON array of stream records, even when
 *    the batch holds one record.
 * 2. Batch out: return one element per record, in the same order. The pipe sends each element as
 *    one message; with an SQS target a batch may hold at most 10, and if the enrichment returns
 *    more items than the target accepts, the pipe does not invoke the target. (Returning fewer is
 *    allowed and filters records out; this sample never does that silently.)
 * 3. Fail by throwing: a thrown error (or a timeout) makes the pipe retry the whole batch, up to the
 *    pipe's `maximumRetryAttempts`, and then record it in its dead-letter queue. An enrichment cannot
 *    report which records failed, so never return an error object as if it were data: the pipe would
 *    deliver it to the queue as a message.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html (record shape)
 */

/** A JSON value, as the pipe will serialise the enrichment's result. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A DynamoDB attribute value in the stream record's JSON: exactly one type descriptor. */
export type AttributeValue = Record<string, unknown>;

/** The parts of a stream record this sample reads (the pipe delivers the Lambda record shape). */
export interface StreamRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly Keys?: Record<string, AttributeValue>;
    readonly NewImage?: Record<string, AttributeValue>;
  };
}

/** One record, unmarshalled: its keys and its new image (null when the record has none, e.g. REMOVE). */
export interface StreamItem {
  readonly eventID: string;
  readonly eventName: string;
  readonly keys: { [key: string]: Json };
  readonly newImage: { [key: string]: Json } | null;
}

/** An SQS target takes at most 10 messages per batch (SendMessageBatch). */
export const MAX_TARGET_BATCH_SIZE = 10;

/** Fifteen significant decimal digits always survive a round trip through a JavaScript number. */
const EXACT_DIGITS = 15;

/**
 * A DynamoDB number (a decimal string of up to 38 digits) as JSON: a JSON number when a JavaScript
 * number holds it exactly (integers up to 2^53 - 1, or at most 15 significant digits), otherwise the
 * decimal string itself, unchanged. So `9007199254740993` stays `"9007199254740993"` instead of
 * becoming a BigInt that JSON.stringify cannot write, or a rounded number.
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
 */
export function numberToJson(value: string): number | string {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new Error(`Not a DynamoDB number: ${JSON.stringify(value)}`);
  if (Number.isSafeInteger(number) && /^-?\d+$/.test(value)) return number;
  const significant = value.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return significant.length <= EXACT_DIGITS ? number : value;
}

/**
 * One attribute value as plain JSON. Sets become arrays (`SS` of strings, `NS` of numbers as in
 * numberToJson, `BS` of base64 strings); binary values stay the base64 strings the record carries.
 * An unknown type descriptor throws: guessing would lose data silently.
 */
export function attributeToJson(value: AttributeValue, path = 'value'): Json {
  const entries = Object.entries(value ?? {});
  if (entries.length !== 1) throw new Error(`${path} is not a DynamoDB attribute value (it needs exactly one type)`);
  const [type, content] = entries[0];
  switch (type) {
    case 'S':
    case 'B':
      return content as string;
    case 'N':
      return numberToJson(content as string);
    case 'BOOL':
      return content as boolean;
    case 'NULL':
      return null;
    case 'SS':
    case 'BS':
      return [...(content as string[])];
    case 'NS':
      return (content as string[]).map(numberToJson);
    case 'L':
      return (content as AttributeValue[]).map((item, index) => attributeToJson(item, `${path}[${index}]`));
    case 'M':
      return imageToJson(content as Record<string, AttributeValue>, path);
    default:
      throw new Error(`${path} has an unknown DynamoDB type '${type}'`);
  }
}

/** A whole image (or Keys) as a plain JSON object. */
export function imageToJson(image: Record<string, AttributeValue>, path = 'image'): { [key: string]: Json } {
  const result: { [key: string]: Json } = {};
  for (const [name, value] of Object.entries(image)) result[name] = attributeToJson(value, `${path}.${name}`);
  return result;
}

/** Checks the pipe's input and unmarshalls each record; throws on anything that is not a stream batch. */
export function toStreamItems(event: unknown): StreamItem[] {
  if (!Array.isArray(event)) throw new Error('The enrichment expects the pipe\'s batch: a JSON array of stream records');
  if (event.length > MAX_TARGET_BATCH_SIZE) {
    throw new Error(`The batch holds ${event.length} records; an SQS target accepts at most ${MAX_TARGET_BATCH_SIZE}: set the pipe's batch size to ${MAX_TARGET_BATCH_SIZE} or less`);
  }
  return (event as StreamRecord[]).map((record, index) => {
    const stream = record?.dynamodb;
    if (typeof stream !== 'object' || stream === null || typeof stream.Keys !== 'object' || stream.Keys === null) {
      throw new Error(`Record ${index} is not a DynamoDB stream record (it has no dynamodb.Keys)`);
    }
    return {
      eventID: String(record.eventID ?? ''),
      eventName: String(record.eventName ?? ''),
      keys: imageToJson(stream.Keys, `records[${index}].Keys`),
      newImage: stream.NewImage ? imageToJson(stream.NewImage, `records[${index}].NewImage`) : null,
    };
  });
}

/** Your lookups: one output per item, same order. Throw when a lookup fails. */
export type EnrichItems<T> = (items: StreamItem[]) => Promise<T[]>;

/** Builds a Lambda handler around your `enrichItems`, with the batch rules above enforced. */
export function createEnrichmentHandler<T>(enrichItems: EnrichItems<T>): (event: unknown) => Promise<T[]> {
  return async (event) => {
    const items = toStreamItems(event);
    const enriched = await enrichItems(items);
    if (!Array.isArray(enriched) || enriched.length !== items.length) {
      // Fewer items would drop records silently, more would stop the pipe from invoking its target.
      throw new Error(`enrichItems returned ${Array.isArray(enriched) ? enriched.length : 'no array of'} items for ${items.length} records`);
    }
    return enriched;
  };
}

/**
 * The sample's own enrichment: the new image with a note of what happened. Replace it with your
 * lookups (fetch all items' extra data in one batch call, not one call per record).
 */
export const handler = createEnrichmentHandler(async (items) =>
  items.map(({ eventName, keys, newImage }) => ({ eventName, keys, item: newImage })),
);
