/**
 * What the stages of a pipe execution share: the SDK clients, the error a failed stage throws, and
 * the options every stage takes. Each stage lives in its own file: engine/filter.ts,
 * engine/enrichments/<kind>.ts, engine/targets/<kind>.ts.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { PipeDefinition } from '../pipe/definition';
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
export type TargetStage = (pipe: PipeDefinition, clients: PipeClients, items: readonly unknown[], options?: StageOptions) => Promise<void>;
