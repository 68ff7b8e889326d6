import * as crypto from 'crypto';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { formatDynamoDBNumber } from '../private/dynamodb-number';

const DEFAULT_EVENT_SOURCE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/Table/stream/2024-01-01T00:00:00.000';

/** Sequence numbers of generated records increase within a process, as in a shard. */
let lastSequence = 0;

/**
 * Options for a generated DynamoDB stream record.
 */
export interface StreamRecordOptions {
  /**
   * Names of the table's key attributes (partition key, then sort key, if any).
   *
   * @default ['id']
   */
  readonly keyAttributes?: string[];

  /**
   * The stream view type of the table's stream; decides which images the record carries.
   *
   * @default dynamodb.StreamViewType.NEW_AND_OLD_IMAGES
   */
  readonly streamViewType?: dynamodb.StreamViewType;

  /**
   * ARN of the table's stream (`eventSourceARN`).
   *
   * @default 'arn:aws:dynamodb:us-east-1:123456789012:table/Table/stream/2024-01-01T00:00:00.000'
   */
  readonly eventSourceArn?: string;

  /**
   * Region of the record (`awsRegion`).
   *
   * @default - the region in `eventSourceArn`
   */
  readonly awsRegion?: string;

  /**
   * `dynamodb.ApproximateCreationDateTime`, in seconds since the epoch.
   *
   * @default - the current time
   */
  readonly approximateCreationDateTime?: number;

  /**
   * `dynamodb.SequenceNumber`. Set it (and `approximateCreationDateTime`) for records that are
   * identical from run to run, e.g. in snapshot tests.
   *
   * @default - a number that increases with every generated record
   */
  readonly sequenceNumber?: string;
}

/**
 * Builds the DynamoDB stream records that a pipe with a DynamoDB source receives (and filters),
 * from plain items. Meant for unit tests of filters, enrichments and targets.
 *
 * A record looks like
 * `{ eventID, eventName, eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion,
 *    dynamodb: { ApproximateCreationDateTime, Keys, NewImage?, OldImage?, SequenceNumber, SizeBytes, StreamViewType },
 *    eventSourceARN }`.
 * Item values are converted to DynamoDB attribute values: string to `S`, number to `N` (a string),
 * boolean to `BOOL`, null to `{ NULL: true }`, array to `L`, object to `M`; properties that are
 * `undefined` are left out. From TypeScript and JavaScript only (other jsii languages cannot pass
 * these types), a `Set` of strings or numbers becomes `SS`/`NS` and a `Uint8Array` becomes `B` (base64).
 * `SizeBytes` is an approximation.
 *
 * @example
 * import { testing } from 'cdk-enriched-stream-to-queue';
 *
 * const before = { id: 'a1', status: 'OPEN' };
 * const records = [
 *   testing.DynamoDBStreamRecord.insert(before),
 *   testing.DynamoDBStreamRecord.modify(before, { id: 'a1', status: 'DONE' }),
 *   testing.DynamoDBStreamRecord.remove(before, { keyAttributes: ['id'] }),
 * ];
 * // Hand them to your enrichment handler as the pipe would: await handler(records)
 */
export class DynamoDBStreamRecord {
  /**
   * The record of a new item (`eventName: 'INSERT'`).
   *
   * @param newItem the item as written, e.g. `{ id: 'a1', email: 'x@example.com' }`
   * @param options record options
   */
  public static insert(newItem: any, options: StreamRecordOptions = {}): { [key: string]: any } {
    return streamRecord('INSERT', undefined, newItem, options);
  }

  /**
   * The record of an updated item (`eventName: 'MODIFY'`). Both items must have the same key.
   *
   * @param oldItem the item before the update
   * @param newItem the item after the update
   * @param options record options
   */
  public static modify(oldItem: any, newItem: any, options: StreamRecordOptions = {}): { [key: string]: any } {
    return streamRecord('MODIFY', oldItem, newItem, options);
  }

  /**
   * The record of a deleted item (`eventName: 'REMOVE'`).
   *
   * @param oldItem the item before it was deleted
   * @param options record options
   */
  public static remove(oldItem: any, options: StreamRecordOptions = {}): { [key: string]: any } {
    return streamRecord('REMOVE', oldItem, undefined, options);
  }

  /**
   * Converts a plain item into a map of DynamoDB attribute values, as they appear in `NewImage`,
   * e.g. `{ id: 'a1', n: 3 }` to `{ id: { S: 'a1' }, n: { N: '3' } }`.
   *
   * @param item a plain object
   */
  public static marshall(item: any): { [key: string]: any } {
    if (!isPlainObject(item)) {
      throw new Error(`An item must be a plain object, got ${describe(item)}`);
    }
    return marshallMap(item, '');
  }

  /**
   * How a number appears in a stream record's `N` value: plain decimal notation, never an
   * exponent (`1e21` becomes `'1000000000000000000000'`, `1e-7` becomes `'0.0000001'`).
   *
   * @param value a number within DynamoDB's range (magnitude 0 or from 1e-130 to below 1e126)
   */
  public static formatNumber(value: number): string {
    return formatDynamoDBNumber(value);
  }

  private constructor() {}
}

function streamRecord(eventName: string, oldItem: unknown, newItem: unknown, options: StreamRecordOptions): any {
  const viewType = options.streamViewType ?? dynamodb.StreamViewType.NEW_AND_OLD_IMAGES;
  const keyAttributes = options.keyAttributes ?? ['id'];
  const defaulted = options.keyAttributes === undefined;
  const newImage = newItem === undefined ? undefined : DynamoDBStreamRecord.marshall(newItem);
  const oldImage = oldItem === undefined ? undefined : DynamoDBStreamRecord.marshall(oldItem);
  const keys = keysOf((newImage ?? oldImage)!, keyAttributes, newImage ? 'new item' : 'old item', defaulted);
  if (newImage && oldImage && JSON.stringify(keysOf(oldImage, keyAttributes, 'old item', defaulted)) !== JSON.stringify(keys)) {
    throw new Error(`The old and the new item must have the same key (${keyAttributes.join(', ')})`);
  }
  const withNew = viewType === dynamodb.StreamViewType.NEW_IMAGE || viewType === dynamodb.StreamViewType.NEW_AND_OLD_IMAGES;
  const withOld = viewType === dynamodb.StreamViewType.OLD_IMAGE || viewType === dynamodb.StreamViewType.NEW_AND_OLD_IMAGES;
  const images = {
    ...(withNew && newImage ? { NewImage: newImage } : {}),
    ...(withOld && oldImage ? { OldImage: oldImage } : {}),
  };
  const sequenceNumber = options.sequenceNumber ?? `4${String(++lastSequence).padStart(20, '0')}`;
  const eventSourceArn = options.eventSourceArn ?? DEFAULT_EVENT_SOURCE_ARN;
  return {
    eventID: crypto.createHash('sha256').update(`${eventSourceArn}/${sequenceNumber}/${eventName}`).digest('hex').slice(0, 32),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: options.awsRegion ?? (eventSourceArn.split(':')[3] || 'us-east-1'),
    dynamodb: {
      ApproximateCreationDateTime: options.approximateCreationDateTime ?? Math.floor(Date.now() / 1000),
      Keys: keys,
      ...images,
      SequenceNumber: sequenceNumber,
      SizeBytes: Buffer.byteLength(JSON.stringify({ Keys: keys, ...images })),
      StreamViewType: viewType,
    },
    eventSourceARN: eventSourceArn,
  };
}

function keysOf(image: Record<string, any>, keyAttributes: string[], which: string, defaulted: boolean): Record<string, any> {
  if (keyAttributes.length === 0) {
    throw new Error('keyAttributes must name at least one attribute');
  }
  const keys: Record<string, any> = {};
  for (const name of keyAttributes) {
    const value = image[name];
    if (value === undefined) {
      throw new Error(defaulted
        ? `The ${which} has no key attribute "${name}": keyAttributes defaults to ["id"]; pass the table's key attribute names, `
          + 'partition key first, e.g. { keyAttributes: ["pk", "sk"] } for a table with partition key pk and sort key sk'
        : `The ${which} has no key attribute "${name}", which keyAttributes ${JSON.stringify(keyAttributes)} names; `
          + 'pass the table\'s key attribute names in keyAttributes, partition key first');
    }
    if (!('S' in value || 'N' in value || 'B' in value)) {
      throw new Error(`Key attribute "${name}" of the ${which} must be a string, a number or binary, got ${Object.keys(value)[0]}`);
    }
    keys[name] = value;
  }
  return keys;
}

function marshallMap(item: Record<string, unknown>, where: string): Record<string, any> {
  const map: Record<string, any> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) {
      map[name] = marshallValue(value, where ? `${where}.${name}` : name);
    }
  }
  return map;
}

function marshallValue(value: unknown, where: string): any {
  if (value === null) {
    return { NULL: true };
  }
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      return { N: DynamoDBStreamRecord.formatNumber(value) };
    case 'bigint':
      return { N: value.toString() };
    case 'boolean':
      return { BOOL: value };
  }
  if (value instanceof Uint8Array) {
    return { B: Buffer.from(value).toString('base64') };
  }
  if (Array.isArray(value)) {
    return { L: value.map((element, i) => marshallValue(element, `${where}[${i}]`)) };
  }
  if (value instanceof Set) {
    const elements = [...value];
    if (elements.length > 0 && elements.every(e => typeof e === 'string')) {
      return { SS: elements };
    }
    if (elements.length > 0 && elements.every(e => typeof e === 'number')) {
      return { NS: elements.map(e => DynamoDBStreamRecord.formatNumber(e as number)) };
    }
    throw new Error(`${where}: a Set must be non-empty and hold only strings or only numbers`);
  }
  if (isPlainObject(value)) {
    return { M: marshallMap(value, where) };
  }
  throw new Error(`${where}: cannot convert ${describe(value)} to a DynamoDB attribute value`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'object' ? `an instance of ${value.constructor?.name ?? 'an unknown class'}` : `a ${typeof value}`;
}
