/**
 * What the stages of a pipe execution share: the SDK clients, the error a failed stage throws, and
 * the options every stage takes. Each stage lives in its own file: engine/filter.ts,
 * engine/enrichments/<kind>.ts, engine/targets/<kind>.ts.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { UnspecifiedReadings, UnspecifiedReporter } from './unspecified';
import { PipeDefinition } from '../pipe/definition';
import { StepReporter } from '../pipe/execution-log';

/** The SDK clients the path uses, built with the SDK's default configuration (endpoints from `AWS_ENDPOINT_URL_*`). */
export interface PipeClients {
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
}

/** An item the target refused, by its position in the items the target stage was given. */
export interface FailedItem {
  readonly index: number;
  readonly message: string;
}

/** What else a stage knows about its failure. */
export interface PipeStageErrorOptions {
  /**
   * A pipe internal error: the service could not be reached or failed on its side, not the user's
   * code or configuration (see {@link isInternalFailure}).
   */
  readonly internal?: boolean;
  /**
   * The target accepted some items and refused these (a partly failed batch call). Absent when the
   * whole stage failed.
   */
  readonly failedItems?: readonly FailedItem[];
  /** With `failedItems`: how many items the stage was given. */
  readonly itemCount?: number;
  /** With `failedItems`: how many items the target accepted. */
  readonly sent?: number;
}

/** A failed stage of a pipe execution. */
export class PipeStageError extends Error {
  public readonly internal: boolean;
  public readonly failedItems?: readonly FailedItem[];
  public readonly itemCount?: number;
  public readonly sent?: number;

  constructor(
    /** The stage that failed. */
    public readonly stage: 'ENRICHMENT' | 'TARGET',
    message: string,
    options: PipeStageErrorOptions = {},
  ) {
    super(message);
    this.name = 'PipeStageError';
    this.internal = options.internal ?? false;
    this.failedItems = options.failedItems;
    this.itemCount = options.itemCount;
    this.sent = options.sent;
  }
}

/** Errors of a connection that failed or broke before a response came (Node's error codes). */
const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * Whether a failed call to the enrichment or target service is a pipe internal error, which Pipes
 * retries "an indefinite number of times" without counting it against `MaximumRetryAttempts`: the
 * error-handling page names "A HTTP connection failure when attempting to invoke the customer target
 * service" and "A transient drop in availability on the pipe service itself", and contrasts them
 * with customer invocation errors such as "Insufficient permissions on the pipe to invoke the target"
 * and "A logic error in a synchronously-invoked customer Lambda"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html).
 * Internal here: no response at all (connection refused, reset, timed out, host unreachable), or a
 * response that blames the service (`$fault: 'server'`, HTTP 5xx). Everything else, a function error
 * included, is the customer's.
 */
type ErrorLike = { name?: string; code?: string; $fault?: string; message?: string; cause?: unknown } | undefined;

export function isInternalFailure(error: unknown): boolean {
  for (let e = error as ErrorLike, depth = 0; e && depth < 5; e = e.cause as ErrorLike, depth++) {
    if (e.name === 'AbortError') return false;
    if (e.code && CONNECTION_FAILURES.has(e.code)) return true;
    if (e.$fault === 'server') return true;
    // The SDK's retry layer wraps a value it does not recognise as an Error (an error from another realm,
    // such as a test runner's) into "AWS SDK error wrapper for Error: connect ECONNREFUSED ...": only the text is left.
    if (typeof e.message === 'string' && (/socket hang up/i.test(e.message) || [...CONNECTION_FAILURES].some(code => e!.message!.includes(code)))) return true;
  }
  return false;
}

/** Options of every stage. */
export interface StageOptions {
  /** Receives the execution steps, for logging. */
  readonly report?: StepReporter;
  /** Aborts an invocation (the execution timed out or the runner stops). */
  readonly abortSignal?: AbortSignal;
  /**
   * Receives the points where AWS is silent that the execution depends on (unspecified.ts). Under
   * `strict: true` it throws an `UnspecifiedBehaviourError`, which the stage lets through.
   * @default - none reported
   */
  readonly unspecified?: UnspecifiedReporter;
  /** The readings chosen for points with two plausible readings. @default DEFAULT_READINGS */
  readonly readings?: UnspecifiedReadings;
}

/** What the target stage did. */
export interface TargetResult {
  /** Whether the target was invoked (false: no item to send). */
  readonly invoked: boolean;
  /** Items the target accepted. */
  readonly sent: number;
}

/**
 * An enrichment stage (enrichments/<kind>.ts): applies the enrichment input template to each record,
 * invokes the enrichment once with the batch and returns the items it answered.
 * @throws PipeStageError (`ENRICHMENT`) when the stage fails
 */
export type EnrichmentStage = (pipe: PipeDefinition, clients: PipeClients, records: readonly unknown[], options?: StageOptions) => Promise<unknown[]>;

/**
 * A target stage (targets/<kind>.ts): applies the target input template to each item and invokes the
 * target with them. No items: the target is not invoked.
 * @throws PipeStageError (`TARGET`) when the stage fails
 */
export type TargetStage = (pipe: PipeDefinition, clients: PipeClients, items: readonly unknown[], options?: StageOptions) => Promise<TargetResult>;

/** An error's message, with the Node error code when the message lacks it (connection failures often have an empty message). */
export function describeError(error: unknown): string {
  const e = error as { message?: string; code?: string; name?: string };
  const message = e?.message || e?.name || String(error);
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
