/**
 * The one copy of the EventBridge Pipes API limits that this library and its local runtime
 * (tools/) enforce: plain data, and `rangeProblem`, which words every violation the same way,
 * `<prop> must be <rule>, got <value>`. No I/O and no aws-cdk-lib import, so that any part of the
 * repository may import it.
 *
 * The numbers are the Pipes API model's constraints (API version 2015-10-07; `@aws-sdk/client-pipes`
 * ships the model's shapes without them), as the API reference prints them:
 * - https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html
 *   (BatchSize, MaximumBatchingWindowInSeconds, MaximumRecordAgeInSeconds, MaximumRetryAttempts,
 *   ParallelizationFactor, StartingPosition, OnPartialBatchItemFailure)
 * - https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Pipe.html (Name, Description, DesiredState)
 * - https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_FilterCriteria.html and
 *   https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Filter.html (patterns per pipe, pattern length)
 * - https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetSqsQueueParameters.html
 *   (MessageGroupId, MessageDeduplicationId)
 * - https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeEnrichmentParameters.html and
 *   API_PipeTargetParameters.html (InputTemplate)
 * - https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeLogConfigurationParameters.html (Level, IncludeExecutionData)
 * - the batching page for the SQS target's batch of 10:
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html
 */

/** A range the Pipes API accepts: integers (or whole seconds, or a string's length) from `min` to `max`. */
export interface PipesLimit {
  readonly min: number;
  readonly max: number;
  /** What is counted: an integer (default), whole seconds, a string's characters, or filter patterns. */
  readonly unit?: 'seconds' | 'characters' | 'patterns';
  /** A value outside the range that the API also accepts and reads as infinite (`-1`). */
  readonly infinite?: number;
  /** For strings: the API's pattern, which the whole value must match. */
  readonly pattern?: RegExp;
  /** For strings: the pattern in words, for the message. */
  readonly patternRule?: string;
  /** Appended to the rule, to say why the range is narrower than the API's. */
  readonly why?: string;
  /** The AWS page that states the limit. */
  readonly source: string;
}

const DYNAMODB_SOURCE = 'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html';
const PIPE = 'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Pipe.html';
const SQS_TARGET = 'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetSqsQueueParameters.html';

/** The limits, by the name of the API field they constrain (camel case). */
export const PIPES_LIMITS = {
  /** `BatchSize` of a DynamoDB stream source. */
  batchSize: { min: 1, max: 10_000, source: DYNAMODB_SOURCE },
  /** `BatchSize` when the target is an SQS queue, which takes at most 10 messages per batch. */
  batchSizeWithSqsTarget: {
    min: 1,
    max: 10,
    why: ' (an SQS target takes at most 10 messages per batch)',
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html',
  },
  /** `MaximumBatchingWindowInSeconds`. */
  maximumBatchingWindowInSeconds: { min: 0, max: 300, unit: 'seconds', source: DYNAMODB_SOURCE },
  /** `MaximumRecordAgeInSeconds`: -1 (the default) keeps records until they leave the stream. */
  maximumRecordAgeInSeconds: { min: 60, max: 604_800, unit: 'seconds', infinite: -1, source: DYNAMODB_SOURCE },
  /** `MaximumRetryAttempts`: -1 (the default) retries until the record leaves the stream. */
  maximumRetryAttempts: { min: 0, max: 10_000, infinite: -1, source: DYNAMODB_SOURCE },
  /** `ParallelizationFactor`. */
  parallelizationFactor: { min: 1, max: 10, source: DYNAMODB_SOURCE },
  /** `FilterCriteria.Filters`: patterns per pipe. */
  filterPatterns: {
    min: 0,
    max: 5,
    unit: 'patterns',
    source: 'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_FilterCriteria.html',
  },
  /** `Filter.Pattern`: the pattern's JSON text. */
  filterPatternLength: {
    min: 0,
    max: 4096,
    unit: 'characters',
    source: 'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_Filter.html',
  },
  /** `Name`. */
  pipeName: {
    min: 1,
    max: 64,
    unit: 'characters',
    pattern: /^[.\-_A-Za-z0-9]+$/,
    patternRule: 'made of letters, digits, \'.\', \'-\' and \'_\' (pattern [\\.\\-_A-Za-z0-9]+)',
    source: PIPE,
  },
  /** `Description`; its pattern `.*` matches no line terminator. */
  description: {
    min: 0,
    max: 512,
    unit: 'characters',
    pattern: /^[^\n\r\u0085\u2028\u2029]*$/,
    patternRule: 'a single line (the API\'s pattern .* matches no line break)',
    source: PIPE,
  },
  /** `InputTemplate` of the enrichment and target parameters. */
  inputTemplateLength: {
    min: 0,
    max: 8192,
    unit: 'characters',
    source: 'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetParameters.html',
  },
  /** `SqsQueueParameters.MessageGroupId`. */
  messageGroupId: { min: 0, max: 100, unit: 'characters', source: SQS_TARGET },
  /** `SqsQueueParameters.MessageDeduplicationId`. */
  messageDeduplicationId: { min: 0, max: 100, unit: 'characters', source: SQS_TARGET },
} as const satisfies Record<string, PipesLimit>;

/** The enumerations of the Pipes API model that the construct and the local runtime check. */
export const PIPES_ENUMS = {
  /** `DynamoDBStreamStartPosition`. */
  startingPosition: ['TRIM_HORIZON', 'LATEST'],
  /** `OnPartialBatchItemFailureStreams`. */
  onPartialBatchItemFailure: ['AUTOMATIC_BISECT'],
  /** `RequestedPipeState`. */
  desiredState: ['RUNNING', 'STOPPED'],
  /** `LogLevel`. */
  logLevel: ['OFF', 'ERROR', 'INFO', 'TRACE'],
  /** `IncludeExecutionDataOption`. */
  includeExecutionData: ['ALL'],
} as const;

/**
 * What is wrong with `value` for a field with the given limit, worded
 * `<prop> must be <rule>, got <value>`; undefined when the value is within the limit.
 *
 * Numbers must be integers (whole seconds for `unit: 'seconds'`); a string limit counts Unicode
 * code points, as the Smithy `length` trait of the AWS API models does, then checks the pattern.
 * The caller lets unresolved CDK tokens through before calling it.
 *
 * @example
 * rangeProblem('batchSize', 11, PIPES_LIMITS.batchSizeWithSqsTarget)
 * // 'batchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got 11'
 */
export function rangeProblem(prop: string, value: unknown, limit: PipesLimit): string | undefined {
  const range = `from ${limit.min} to ${limit.max}`;
  const why = limit.why ?? '';
  if (limit.unit === 'characters') {
    if (typeof value !== 'string') {
      return `${prop} must be a string ${range} characters long${why}, got ${describeValue(value)}`;
    }
    const length = [...value].length;
    if (length < limit.min || length > limit.max) {
      return `${prop} must be a string ${range} characters long${why}, got ${length} characters`;
    }
    if (limit.pattern && !limit.pattern.test(value)) {
      return `${prop} must be ${limit.patternRule ?? `a string matching ${limit.pattern}`}, got ${describeValue(value)}`;
    }
    return undefined;
  }
  const infinite = limit.infinite !== undefined ? `${limit.infinite} (infinite) or ` : '';
  const kind = limit.unit === 'seconds' ? 'a whole number of seconds' : limit.unit === 'patterns' ? 'a number of filter patterns' : 'an integer';
  const rule = `${infinite}${kind} ${range}${why}`;
  if (typeof value !== 'number') {
    return `${prop} must be ${rule}, got ${describeValue(value)}`;
  }
  if (value === limit.infinite) {
    return undefined;
  }
  if (!Number.isInteger(value) || value < limit.min || value > limit.max) {
    return `${prop} must be ${rule}, got ${value}${limit.unit === 'seconds' ? ' seconds' : ''}`;
  }
  return undefined;
}

/**
 * What is wrong with `value` for a field that takes one of `allowed`, worded like `rangeProblem`;
 * undefined when it is one of them.
 *
 * @param typeName the CDK type a caller picks the value from, e.g. `pipes.LogLevel`
 */
export function enumProblem(prop: string, value: unknown, allowed: readonly string[], typeName?: string): string | undefined {
  if (typeof value === 'string' && allowed.includes(value)) {
    return undefined;
  }
  return `${prop} must be one of ${allowed.join(', ')}${typeName ? ` (${typeName})` : ''}, got ${describeValue(value)}`;
}

/**
 * A short description of a value for a message: `the number 5`, `the string "x"`, `an object`.
 */
export function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (value === undefined) {
    return 'undefined';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `the ${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    default: {
      const name = (value as { constructor?: { name?: string } }).constructor?.name;
      return name && name !== 'Object' ? `a ${name}` : 'an object';
    }
  }
}
