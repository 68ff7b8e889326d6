/**
 * The message a pipe writes to its source dead-letter queue when it gives a batch up, and the shapes
 * {@link parseDeadLetterMessage} accepts (the replay reads them back), with where they come from:
 *
 * 1. EventBridge Pipes (stream source with a DeadLetterConfig):
 *      { "context": { "partnerResourceArn": <pipe ARN>, "condition": "RetryAttemptsExhausted", ["requestId"] },
 *        "version": "1.0", "timestamp": ..., "DDBStreamBatchInfo": { ...batch info... } }
 *    The EventBridge user guide does not print this body: "Amazon EventBridge Pipes error handling and
 *    troubleshooting" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html)
 *    only says stream sources can route failed events to a DLQ. The shape was taken from a published capture of a
 *    real Pipes DLQ message: DVLA engineering blog (github.com/dvla/dvla.github.io), "Streaming Application State
 *    Changes using DynamoDB streams and EventBridge Pipes" (G. Griffiths, 2024-03-21). It agrees with LocalStack's
 *    emulation of Pipes stream pollers (localstack/localstack,
 *    localstack-core/localstack/services/lambda_/event_source_mapping/pollers/stream_poller.py), which builds
 *    `context: {condition, partnerResourceArn}` next to `version`, `timestamp` and the batch info object.
 * 2. Lambda event source mapping on-failure destination (same batch info, different envelope):
 *      { "requestContext": { "requestId", "functionArn", "condition", "approximateInvokeCount" },
 *        "responseContext": {...}, "version": "1.0", "timestamp": ..., "DDBStreamBatchInfo": {...} }
 *    AWS Lambda Developer Guide, "Retain discarded records for a DynamoDB event source in Lambda"
 *    (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
 * 3. Either of the above wrapped in an SNS notification envelope (`{"Type":"Notification","Message":"<json>"}`),
 *    which is what an SQS queue subscribed (without raw delivery) to an SNS dead-letter topic receives.
 *
 * `DDBStreamBatchInfo` = { shardId, startSequenceNumber, endSequenceNumber, approximateArrivalOfFirstRecord,
 * approximateArrivalOfLastRecord, batchSize, streamArn } in every shape. Anything else is rejected with an
 * error that says what was expected.
 */

/** Why a batch was given up: `RetryAttemptsExhausted` or `RecordAgeExceeded`. */
export type DeadLetterCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** The position of a batch in its stream, as `DDBStreamBatchInfo` carries it. */
export interface StreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

/**
 * The body a pipe writes to its source dead-letter queue (shape 1 above).
 * @param sourceBatchInfo the source's part, keyed as Pipes keys it: `{ DDBStreamBatchInfo: StreamBatchInfo }`
 *   for a DynamoDB stream (built by the engine's source, tools/engine/sources/)
 */
export function pipesDeadLetterMessage(
  pipeArn: string, condition: DeadLetterCondition, sourceBatchInfo: Readonly<Record<string, unknown>>, now = new Date(),
): string {
  return JSON.stringify({
    context: { partnerResourceArn: pipeArn, condition },
    version: '1.0',
    timestamp: now.toISOString(),
    ...sourceBatchInfo,
  });
}

/** Where a dead-lettered batch sits in the stream. */
export interface DeadLetterBatchInfo {
  readonly streamArn: string;
  readonly shardId: string;
  /** Decimal string, up to 40 digits. */
  readonly startSequenceNumber: string;
  /** Decimal string, up to 40 digits. */
  readonly endSequenceNumber: string;
  readonly batchSize?: number;
  readonly approximateArrivalOfFirstRecord?: string;
  readonly approximateArrivalOfLastRecord?: string;
  /** e.g. `RetryAttemptsExhausted`, as reported by the sender. */
  readonly condition?: string;
  /** The pipe ARN (Pipes shape) or function ARN (Lambda shape) that dead-lettered the batch. */
  readonly senderArn?: string;
  /** Which documented envelope the message used. */
  readonly format: 'pipes' | 'lambda';
}

/** A dead-letter message that could not be understood; its message says what is missing or wrong. */
export class DeadLetterMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadLetterMessageError';
  }
}

export const SEQUENCE_NUMBER = /^\d{1,40}$/;
const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[^/]+\/stream\/.+$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DeadLetterMessageError(`${what} is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Parses the body of a dead-letter message into the stream position of the failed batch.
 *
 * @throws DeadLetterMessageError naming what is missing or wrong.
 */
export function parseDeadLetterMessage(body: string): DeadLetterBatchInfo {
  let doc = parseJson(body, 'Dead-letter message body');
  if (!isObject(doc)) {
    throw new DeadLetterMessageError('Dead-letter message body is not a JSON object');
  }
  if (doc.Type === 'Notification' && typeof doc.Message === 'string') {
    doc = parseJson(doc.Message, 'The "Message" of the SNS notification in the dead-letter message');
    if (!isObject(doc)) {
      throw new DeadLetterMessageError('The "Message" of the SNS notification in the dead-letter message is not a JSON object');
    }
  }

  if (doc.KinesisBatchInfo !== undefined) {
    throw new DeadLetterMessageError('Dead-letter message describes a Kinesis batch (KinesisBatchInfo); this tool only replays DynamoDB stream batches');
  }
  const info = doc.DDBStreamBatchInfo;
  if (!isObject(info)) {
    throw new DeadLetterMessageError(
      'Unrecognised dead-letter message: no "DDBStreamBatchInfo" object '
      + `(top-level keys: ${Object.keys(doc).join(', ') || 'none'}). Expected the EventBridge Pipes shape `
      + '{context, version, timestamp, DDBStreamBatchInfo} or the Lambda shape {requestContext, responseContext, version, timestamp, DDBStreamBatchInfo}',
    );
  }

  let format: DeadLetterBatchInfo['format'];
  let envelope: Json;
  let senderArn: unknown;
  if (isObject(doc.context)) {
    format = 'pipes';
    envelope = doc.context;
    senderArn = envelope.partnerResourceArn;
  } else if (isObject(doc.requestContext)) {
    format = 'lambda';
    envelope = doc.requestContext;
    senderArn = envelope.functionArn;
  } else {
    throw new DeadLetterMessageError(
      'Unrecognised dead-letter message: it has "DDBStreamBatchInfo" but neither a "context" object (EventBridge Pipes) '
      + 'nor a "requestContext" object (Lambda)',
    );
  }

  const problems: string[] = [];
  const text = (field: string): string | undefined => {
    const value = info[field];
    if (value === undefined || value === null || value === '') {
      problems.push(`${field} is missing`);
      return undefined;
    }
    if (typeof value !== 'string') {
      problems.push(`${field} is not a string`);
      return undefined;
    }
    return value;
  };
  const streamArn = text('streamArn');
  const shardId = text('shardId');
  const startSequenceNumber = text('startSequenceNumber');
  const endSequenceNumber = text('endSequenceNumber');

  if (streamArn !== undefined && !STREAM_ARN.test(streamArn)) {
    problems.push(`streamArn "${streamArn}" is not a DynamoDB stream ARN`);
  }
  for (const [field, value] of [['startSequenceNumber', startSequenceNumber], ['endSequenceNumber', endSequenceNumber]] as const) {
    if (value !== undefined && !SEQUENCE_NUMBER.test(value)) {
      problems.push(`${field} "${value}" is not a decimal sequence number`);
    }
  }
  let batchSize: number | undefined;
  if (info.batchSize !== undefined) {
    if (typeof info.batchSize !== 'number' || !Number.isInteger(info.batchSize) || info.batchSize < 1) {
      problems.push(`batchSize ${JSON.stringify(info.batchSize)} is not a positive integer`);
    } else {
      batchSize = info.batchSize;
    }
  }
  if (problems.length > 0) {
    throw new DeadLetterMessageError(`Dead-letter message DDBStreamBatchInfo is invalid: ${problems.join('; ')}`);
  }
  if (BigInt(startSequenceNumber!) > BigInt(endSequenceNumber!)) {
    throw new DeadLetterMessageError(
      `Dead-letter message DDBStreamBatchInfo is invalid: startSequenceNumber ${startSequenceNumber} is after endSequenceNumber ${endSequenceNumber}`,
    );
  }

  const optionalText = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  return {
    streamArn: streamArn!,
    shardId: shardId!,
    startSequenceNumber: startSequenceNumber!,
    endSequenceNumber: endSequenceNumber!,
    batchSize,
    approximateArrivalOfFirstRecord: optionalText(info.approximateArrivalOfFirstRecord),
    approximateArrivalOfLastRecord: optionalText(info.approximateArrivalOfLastRecord),
    condition: optionalText(envelope.condition),
    senderArn: optionalText(senderArn),
    format,
  };
}
