/**
 * The points where the AWS pages are silent and a run's outcome depends on what the local runner
 * chooses. Each has a stable id (kebab-case; tests, stats and logs outside this repository use them),
 * the AWS sentences around it, the local choice and why. README.md next to this file has one row per
 * point, generated from the same facts.
 *
 * When a run depends on a point, the runner logs one `WARN` record naming its id (once per pipe and
 * point), counts it in `stats.unspecified[id]`, and lists the id in the outcome of each record
 * concerned. With `strict: true` the execution fails instead, with an {@link UnspecifiedBehaviourError}
 * naming the id, and `idle()` rejects with it. Where two readings are plausible and change outcomes,
 * the runner's `readings` option chooses (see {@link UnspecifiedReadings}).
 */

/** A sentence of an AWS page, with the page. */
export interface AwsSentence {
  readonly text: string;
  readonly url: string;
}

/** One point where AWS is silent. */
export interface UnspecifiedPoint {
  /** The question AWS leaves open. */
  readonly question: string;
  /** The nearest AWS sentences. */
  readonly aws: readonly AwsSentence[];
  /** What the local runner does (with the default reading, where there are readings). */
  readonly localChoice: string;
  readonly why: string;
  /** The readings the runner's `readings` option can choose, the default first. */
  readonly readings?: readonly string[];
}

const ENRICHMENT = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html';
const BATCHING = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html';
const TARGETS = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-target.html';
const DYNAMODB = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html';
const ERRORS = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html';
const SEND_MESSAGE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html';
const SQS_BATCH_ENTRY = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatchRequestEntry.html';
const ESM_API = 'https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html';

const EMPTY_RESPONSE: AwsSentence = { text: 'If you don\'t want to invoke the target, return an empty response, such as "", {}, or [].', url: ENRICHMENT };
const PASSES_RESPONSES: AwsSentence = {
  text: 'EventBridge Pipes passes the enrichment responses directly to the configured target. This includes array responses for targets that support batches.',
  url: ENRICHMENT,
};
const PARTIAL_TARGET: AwsSentence = {
  text: 'If the target supports batching and only part of the batch succeeds, EventBridge automatically retries batching the remainder of the payload. '
    + 'For the most up-to-date enriched content, this retry occurs through the entire pipe, including re-invoking any configured enrichment.',
  url: BATCHING,
};
const DYNAMIC_PATHS: AwsSentence = {
  text: 'These paths are replaced dynamically at runtime with data from the event payload itself at the specified path.',
  url: TARGETS,
};
const DLQ_ROUTE: AwsSentence = {
  text: 'For stream sources, such as DynamoDB and Kinesis streams, you can configure a DLQ for the pipe and route events.',
  url: ERRORS,
};

/** Every point, by id. */
export const UNSPECIFIED_POINTS = {
  'enrichment-null-result': {
    question: 'What does Pipes do when the enrichment answers null, or nothing (a Lambda handler that forgets to return answers null)?',
    aws: [EMPTY_RESPONSE, { text: 'If you want to invoke the target with an empty payload, return an array with empty JSON [{}].', url: ENRICHMENT }],
    localChoice: 'Like an empty response: the target is not invoked. The records are not counted as delivered: their outcome is "filtered" with the reason.',
    why: 'null is not among the empty responses the page lists, and a handler that forgets to return would otherwise pass every local test while delivering nothing.',
  },
  'enrichment-non-array-result': {
    question: 'What does Pipes send when the enrichment of a batch answers one value that is not an array (an object, a string, a number)?',
    aws: [PASSES_RESPONSES, {
      text: 'If a pipe is configured for batching at the source, and the target supports batching, you can return an array of JSON items from your enrichment.',
      url: BATCHING,
    }],
    localChoice: 'The value is one item: one message.',
    why: '"Passes the enrichment responses directly to the configured target" reads as the whole response being the payload.',
  },
  'enrichment-empty-item': {
    question: 'What does Pipes do with an item of the enrichment\'s array that is an empty string (or null), such as ["", ""]?',
    aws: [EMPTY_RESPONSE, { text: 'The message to send. The minimum size is one character.', url: SEND_MESSAGE }],
    localChoice: 'The item is not sent; the other items are. When no item is left the target is not invoked, and the records\' outcome is "filtered".',
    why: 'SQS refuses a body under one character, and "" is the page\'s own word for "no event" when it is the whole response; the page says nothing per item.',
  },
  'enrichment-too-many-items': {
    question: 'When the enrichment returns more items than the target takes (more than 10 for SQS), does the execution fail or succeed without the target?',
    aws: [{ text: 'However, if the array is larger than the batch size supported by the target, the pipe won\'t invoke the target.', url: BATCHING }],
    localChoice: 'The target stage fails: the batch is retried (and bisected with AUTOMATIC_BISECT), then dead-lettered. Reading "skip-target" instead ends the execution without invoking the target, the records\' outcome being "filtered".',
    why: 'Failing keeps the records recoverable from the dead-letter queue; a silent success would lose them. Both readings fit the sentence.',
    readings: ['fail-execution', 'skip-target'],
  },
  'enrichment-failure-bisect': {
    question: 'With AUTOMATIC_BISECT, is a batch of more than one record whose enrichment failed (threw or timed out) halved, or retried whole?',
    aws: [
      { text: 'Partial batch failure handling of the enrichment is not supported.', url: BATCHING },
      { text: 'AUTOMATIC_BISECT – Halve each batch and retry each half until all the records are processed or there is one failed message remaining in the batch.', url: DYNAMODB },
      { text: 'BisectBatchOnFunctionError – If the function returns an error, split the batch in two and retry.', url: ESM_API },
    ],
    localChoice: 'Retried whole (reading "retry-whole-batch"); reading "bisect" halves it as Lambda does for a function error.',
    why: 'The Pipes pages say partial batch failure handling of the enrichment is not supported; Lambda, whose function is what Pipes calls the target, bisects on any function error.',
    readings: ['retry-whole-batch', 'bisect'],
  },
  'partial-batch-items-not-one-per-record': {
    question: 'When SQS refuses some entries of a batch and the enrichment did not return one item per record, which records are "the remainder of the payload"?',
    aws: [PARTIAL_TARGET],
    localChoice: 'The whole batch is retried (so the entries SQS accepted are sent again: delivery stays at least once). With one item per record, items map to records by position and only the records of refused entries are retried.',
    why: 'Without one item per record nothing ties an item to a record; retrying everything never loses a record.',
  },
  'group-id-path-selects-nothing': {
    question: 'What does Pipes do when a dynamic MessageGroupId ($.path) selects nothing (or an object) in the item?',
    aws: [DYNAMIC_PATHS, { text: 'If you do not provide a MessageGroupId when sending a message to a FIFO queue, the action fails.', url: SQS_BATCH_ENTRY }],
    localChoice: 'The target transformation fails: the batch is retried, then dead-lettered.',
    why: 'A FIFO queue refuses a message without a group id, so no message could be sent as the user meant it.',
  },
  'deduplication-id-path-selects-nothing': {
    question: 'What does Pipes do when a dynamic MessageDeduplicationId ($.path) selects nothing (or an object) in the item?',
    aws: [DYNAMIC_PATHS],
    localChoice: 'The target transformation fails: the batch is retried, then dead-lettered.',
    why: 'Sending without the id would silently change the queue\'s deduplication; failing shows the mistake.',
  },
  'dlq-batch-size-with-filtered-records': {
    question: 'What does DDBStreamBatchInfo.batchSize count when the filter dropped records between the batch\'s start and end sequence numbers?',
    aws: [DLQ_ROUTE, {
      text: 'If none of your filters are satisfied, Lambda discards the record.',
      url: 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html',
    }],
    localChoice: 'The records of the failed batch (those that passed the filter); the range also holds the dropped ones. The replay tool accepts either count.',
    why: 'Filtered records never join a batch, and the page publishes no example of this message.',
  },
  'dlq-non-contiguous-records': {
    question: 'How does Pipes describe, in its dead-letter queue, records of one batch that are not next to each other in the stream (a remainder after a partial failure)?',
    aws: [DLQ_ROUTE, PARTIAL_TARGET],
    localChoice: 'One dead-letter message per run of consecutive records, so that no message\'s range holds a record that was delivered.',
    why: 'A dead-letter message names one range (start and end sequence numbers); a replay of one range over the gaps would deliver records a second time and could never match its batchSize.',
  },
} as const satisfies Record<string, UnspecifiedPoint>;

/** The id of a point where AWS is silent. */
export type UnspecifiedId = keyof typeof UNSPECIFIED_POINTS;

/** Every id, in the registry's order. */
export const UNSPECIFIED_IDS = Object.keys(UNSPECIFIED_POINTS) as UnspecifiedId[];

/** The reading chosen for each point that has two plausible readings. */
export interface UnspecifiedReadings {
  /** @default 'retry-whole-batch' */
  readonly 'enrichment-failure-bisect'?: 'retry-whole-batch' | 'bisect';
  /** @default 'fail-execution' */
  readonly 'enrichment-too-many-items'?: 'fail-execution' | 'skip-target';
}

/** The default readings. */
export const DEFAULT_READINGS: Required<UnspecifiedReadings> = {
  'enrichment-failure-bisect': 'retry-whole-batch',
  'enrichment-too-many-items': 'fail-execution',
};

/** An execution that depended on a point where AWS is silent, under `strict: true`. */
export class UnspecifiedBehaviourError extends Error {
  constructor(public readonly id: UnspecifiedId, detail: string) {
    super(`Unspecified behaviour '${id}' (strict mode): ${detail}. AWS does not document what Pipes does here; `
      + `see the '${id}' row of tools/engine/README.md`);
    this.name = 'UnspecifiedBehaviourError';
  }
}

/**
 * Receives the points a stage depends on, with what happened. Under `strict: true` it throws an
 * {@link UnspecifiedBehaviourError}, which the stage lets through.
 */
export type UnspecifiedReporter = (id: UnspecifiedId, detail: string) => void;

/** Checks that a reading is one of the point's. @throws Error naming the point and the allowed readings */
export function checkReadings(readings: UnspecifiedReadings): void {
  for (const [id, reading] of Object.entries(readings)) {
    const point = (UNSPECIFIED_POINTS as Record<string, UnspecifiedPoint>)[id];
    if (!point?.readings) {
      const ids = UNSPECIFIED_IDS.filter(known => (UNSPECIFIED_POINTS[known] as UnspecifiedPoint).readings);
      throw new Error(`readings: '${id}' has no readings to choose; points with readings: ${ids.join(', ')}`);
    }
    if (reading !== undefined && !point.readings.includes(reading as string)) {
      throw new Error(`readings['${id}'] must be one of ${point.readings.map(r => `'${r}'`).join(', ')}, got ${JSON.stringify(reading)}`);
    }
  }
}
