/**
 * What the stages of a pipe execution share: the SDK clients, the error a failed stage throws, and
 * the options every stage takes. Each stage lives in its own file: engine/filter.ts,
 * engine/enrichments/<kind>.ts, engine/targets/<kind>.ts.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { StepReporter } from '../pipe/execution-log';

/** The SDK clients the path uses, built with the SDK's default configuration (endpoints from `AWS_ENDPOINT_URL_*`). */
export interface PipeClients {
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
}

/** A failed stage of a pipe execution. */
export class PipeStageError extends Error {
  constructor(
    /** The stage that failed. */
    public readonly stage: 'ENRICHMENT' | 'TARGET',
    message: string,
  ) {
    super(message);
    this.name = 'PipeStageError';
  }
}

/** Options of every stage. */
export interface StageOptions {
  /** Receives the execution steps, for logging. */
  readonly report?: StepReporter;
  /** Aborts an invocation (the execution timed out or the runner stops). */
  readonly abortSignal?: AbortSignal;
}
