/**
 * The shape in which EventBridge Pipes hands DynamoDB stream records to the filter, the enrichment
 * and the target: the record as the Lambda DynamoDB event carries it, not the `GetRecords` response
 * of the AWS SDK. Sample event on the Pipes DynamoDB source page
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html) and the Lambda
 * DynamoDB event (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html): `eventID`,
 * `eventName`, `eventVersion`, `eventSource`, `awsRegion`, `dynamodb` (with
 * `ApproximateCreationDateTime` in epoch seconds, `Keys`, `NewImage`, `OldImage`, `SequenceNumber`,
 * `SizeBytes`, `StreamViewType`), `eventSourceARN` (the stream ARN), and `userIdentity` for
 * deletions by Time to Live.
 *
 * What differs from the SDK's `GetRecords` result: the SDK turns `ApproximateCreationDateTime` into a
 * `Date` and binary attribute values into `Uint8Array`; the event carries epoch seconds and base64
 * text, and `eventSourceARN` is added.
 */
import { _Record, AttributeValue } from '@aws-sdk/client-dynamodb-streams';

/** A DynamoDB attribute value as JSON (binary as base64). */
export type JsonAttributeValue = Record<string, unknown>;

/** A stream record in the shape Pipes passes on for a DynamoDB source. */
export interface PipeRecord {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime?: number;
    readonly Keys?: Record<string, JsonAttributeValue>;
    readonly NewImage?: Record<string, JsonAttributeValue>;
    readonly OldImage?: Record<string, JsonAttributeValue>;
    readonly SequenceNumber?: string;
    readonly SizeBytes?: number;
    readonly StreamViewType?: string;
  };
  readonly eventSourceARN: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function attribute(value: AttributeValue): JsonAttributeValue {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: image(value.M) };
  if (value.L !== undefined) return { L: value.L.map(attribute) };
  // S, N, SS, NS, BOOL, NULL are already JSON. Drop the SDK's `$unknown` member, if any.
  const { $unknown: _unknown, ...rest } = value as AttributeValue & { $unknown?: unknown };
  return rest;
}

function image(values: Record<string, AttributeValue> | undefined): Record<string, JsonAttributeValue> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, JsonAttributeValue> = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = attribute(value);
  }
  return out;
}

/**
 * Converts one record of a `GetRecords` response to the shape Pipes passes on.
 * @param streamArn the stream's ARN (`eventSourceARN`)
 * @param region the stream's region (`awsRegion`); the record's own `awsRegion` is used only when this is empty
 */
export function toPipeRecord(record: _Record, streamArn: string, region: string): PipeRecord {
  const d = record.dynamodb ?? {};
  const dynamodb: Record<string, unknown> = {};
  if (d.ApproximateCreationDateTime !== undefined) {
    dynamodb.ApproximateCreationDateTime = Math.floor(d.ApproximateCreationDateTime.getTime() / 1000);
  }
  const keys = image(d.Keys);
  const newImage = image(d.NewImage);
  const oldImage = image(d.OldImage);
  if (keys) dynamodb.Keys = keys;
  if (newImage) dynamodb.NewImage = newImage;
  if (oldImage) dynamodb.OldImage = oldImage;
  if (d.SequenceNumber !== undefined) dynamodb.SequenceNumber = d.SequenceNumber;
  if (d.SizeBytes !== undefined) dynamodb.SizeBytes = d.SizeBytes;
  if (d.StreamViewType !== undefined) dynamodb.StreamViewType = d.StreamViewType;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: region || record.awsRegion || '',
    dynamodb,
    eventSourceARN: streamArn,
    ...(record.userIdentity ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } } : {}),
  };
}
