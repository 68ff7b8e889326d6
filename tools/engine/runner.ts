/**
 * The generic stream loop of a pipe: it reads the shards its source hands out (source.ts; the
 * DynamoDB stream source is sources/dynamodb-stream.ts), and sends each batch through the pipe's
 * path (filter.ts, enrichments/, targets/, chosen by ARN). Endpoints come from the SDK's standard
 * configuration (`AWS_ENDPOINT_URL_DYNAMODB_STREAMS`, `_LAMBDA`, `_SQS`), so the same code reads a
 * stream in AWS or in DynamoDB Local. What it models, with the AWS pages it follows, is listed in
 * README.md next to this file; the main points:
 *
 * - Shards: the source's; records in order within a shard, one batch per shard at a time.
 * - Filtering before batching: records that do not match are dropped and do not count towards the
 *   batch size ("If you're using batching windows, Lambda applies your filter criteria to each new
 *   event to determine whether to add it to the current batch",
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html; the Pipes filtering page
 *   says Pipes filtering "works in the same way as filtering on an EventBridge event bus or Lambda event
 *   source mapping", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html).
 * - Batching: a batch is sent when it holds `BatchSize` records, when the batching window has passed
 *   since its first record, or when it would exceed the 6 MB payload limit; without a window, whatever
 *   a poll returned is sent at once (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html).
 * - Failure: an enrichment that fails or times out, or a target step that fails, fails the execution;
 *   the batch is retried with backoff up to `MaximumRetryAttempts` (-1: until its records are too old),
 *   records older than `MaximumRecordAgeInSeconds` are given up, and then messages describing them go
 *   to the source dead-letter queue in the Pipes shape and the shard moves on. A partly failed target
 *   call retries only "the remainder of the payload" (batching page). Pipe internal errors (a service
 *   unreachable or failing on its side) are retried without counting against `MaximumRetryAttempts`
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html).
 * - `AUTOMATIC_BISECT` splits a batch in two before retrying when the target step failed: the Pipes
 *   DynamoDB page describes it as halving "each batch and retry each half until all the records are
 *   processed or there is one failed message remaining in the batch"; as the Lambda page
 *   (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html) says, "Splitting a batch does not count
 *   towards the retry quota". On a failed enrichment AWS is silent (unspecified.ts,
 *   `enrichment-failure-bisect`; the `readings` option chooses).
 * - Points where AWS is silent are counted, named once in the runner log (runner-log.ts), and with
 *   `strict` fail the execution (unspecified.ts). Every record read gets an outcome (outcomes.ts).
 * - Executions time out after 5 minutes ("Pipe executions are limited to a maximum of 5 minutes
 *   including the enrichment and target processing", batching page).
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { enrichmentFor } from './enrichments';
import { explainFilter, filterLints, matchesFilter } from './filter';
import { OutcomeEntry, OutcomeLog, RecordOutcome } from './outcomes';
import { RunnerLog, RunnerLogRecord, stderrRunnerLog } from './runner-log';
import { ShardReader, SourceContext, SourceRecord, StreamSource } from './source';
import { sourceFor } from './sources';
import { describeError, EnrichmentStage, PipeClients, PipeStageError, TargetResult, TargetStage } from './stage';
import { targetFor } from './targets';
import { queueUrlOf } from './targets/sqs-queue';
import {
  checkReadings, DEFAULT_READINGS, UNSPECIFIED_POINTS, UnspecifiedBehaviourError, UnspecifiedId, UnspecifiedReadings,
} from './unspecified';
import { DeadLetterCondition, pipesDeadLetterMessage } from '../pipe/dead-letter-message';
import { PipeDefinition, pipeArnOf } from '../pipe/definition';
import { executionReporter, logFilteredRecord, PipeExecutionStep, PipeLogger, stderrLogger, StepDetail } from '../pipe/execution-log';

/** Backoff between retries of a failed batch: `initialDelayMs * multiplier^(retry-1)`, at most `maxDelayMs`. */
export interface BackoffOptions {
  /** @default 100 */
  readonly initialDelayMs?: number;
  /** @default - see {@link defaultBackoff}: 1000, or less so that every retry's pause fits in 25 s */
  readonly maxDelayMs?: number;
  /** @default 2 */
  readonly multiplier?: number;
}

/** The pauses between one batch's retries add up to at most this by default, so that locally a batch exhausts its retries within 30 s. */
export const DEFAULT_RETRY_PAUSE_BUDGET_MS = 25_000;

/**
 * The default local backoff for a pipe that retries `maximumRetryAttempts` times: 100 ms doubling
 * up to 1 s, with the cap lowered (to no less than 10 ms) so that all the pauses fit in
 * {@link DEFAULT_RETRY_PAUSE_BUDGET_MS}. A pipe with 180 retries pauses 100 ms, then 138 ms each
 * time: its batch is dead-lettered in about 25 s plus the enrichment's own time, not in 3 minutes.
 */
export function defaultBackoff(maximumRetryAttempts: number): Required<BackoffOptions> {
  const fitted = maximumRetryAttempts > 0 ? Math.floor(DEFAULT_RETRY_PAUSE_BUDGET_MS / maximumRetryAttempts) : 1000;
  return { initialDelayMs: 100, maxDelayMs: Math.max(10, Math.min(1000, fitted)), multiplier: 2 };
}

/** Options for {@link startPipeRunner}. */
export interface PipeRunnerOptions {
  /** The pipe to run (from `pipeFromTemplate` or `pipeFromDescribePipe`). */
  readonly pipe: PipeDefinition;
  /**
   * Backoff between retries. The default is short, for local runs: with it a batch exhausts 10 retries
   * in about 8 s plus the time of its executions.
   */
  readonly backoff?: BackoffOptions;
  /** Receives the pipe's log records when its `LogConfiguration` asks for them. @default one JSON line per record on stderr */
  readonly logger?: PipeLogger;
  /**
   * Receives the runner's own log records (runner-log.ts): failures of the runtime and points where
   * AWS is silent, whatever the pipe's log level.
   * @default one JSON line per record on stderr
   */
  readonly log?: RunnerLog;
  /** SDK clients. @default clients with the SDK's default configuration (endpoints from AWS_ENDPOINT_URL_*) */
  readonly clients?: { readonly streams?: DynamoDBStreamsClient; readonly lambda?: LambdaClient; readonly sqs?: SQSClient };
  /** Pause between polls of a shard that returned nothing. @default 250 (Pipes polls shards four times per second) */
  readonly pollIntervalMs?: number;
  /** How often `DescribeStream` looks for new shards. @default 10000 */
  readonly shardDiscoveryIntervalMs?: number;
  /** Time limit of one execution (enrichment and target). @default 300 (5 minutes, as Pipes) */
  readonly executionTimeoutSeconds?: number;
  /**
   * Refuse to rely on points where AWS is silent (unspecified.ts): an execution that depends on one
   * fails with an `UnspecifiedBehaviourError` naming it, and `idle()` rejects with that error.
   * @default false (the local choice applies, with one WARN record per point in the runner's log)
   */
  readonly strict?: boolean;
  /**
   * The reading of each point where AWS is silent and two readings are plausible.
   * @default DEFAULT_READINGS: enrichment-failure-bisect 'retry-whole-batch', enrichment-too-many-items 'fail-execution'
   */
  readonly readings?: UnspecifiedReadings;
  /** Receives each record's outcome when it settles (filtered, delivered or dead-lettered), with the pipe's name. @default none */
  readonly onRecordSettled?: (outcome: RecordOutcome, pipeName: string) => void;
  /** How many record outcomes `records()` keeps, the most recent. @default 10000 */
  readonly outcomeLimit?: number;
}

/** Counters of a running pipe. */
export interface PipeRunnerStats {
  /** Batches sent through the pipe, each attempt counted (a pipe execution). */
  pipeExecutions: number;
  /** Lambda Invoke requests to the enrichment. */
  enrichmentInvocations: number;
  /** SendMessageBatch requests to the target queue. */
  targetSendRequests: number;
  /** DynamoDB Streams GetRecords requests. */
  getRecordsRequests: number;
  /** DynamoDB Streams GetShardIterator requests. */
  getShardIteratorRequests: number;
  /** DynamoDB Streams DescribeStream requests. */
  describeStreamRequests: number;
  /** DynamoDB Streams ListStreams requests (finding the stream DynamoDB Local knows under its own ARN). */
  listStreamsRequests: number;
  /** Stream records read. */
  recordsRead: number;
  /** Records dropped by the filter. */
  recordsFiltered: number;
  /** Records whose batch went through the pipe with the target invoked. */
  recordsDelivered: number;
  /**
   * Records whose execution succeeded without invoking the target: the enrichment answered no item
   * (`""`, `{}`, `[]`, or, where AWS is silent, `null` or only empty items).
   */
  recordsDroppedByEnrichment: number;
  /** Messages the target queue accepted. */
  messagesSent: number;
  /** Messages written to the source dead-letter queue. */
  batchesDeadLettered: number;
  /** Records given up without a dead-letter queue to describe them. */
  recordsDiscarded: number;
  /**
   * Failed executions that were pipe internal errors (the enrichment's or target's service could not
   * be reached or failed on its side): retried without counting against `MaximumRetryAttempts`.
   */
  internalErrors: number;
  /** How often a run depended on each point where AWS is silent (unspecified.ts), by id. */
  unspecified: Partial<Record<UnspecifiedId, number>>;
}

/** A running pipe. */
export interface PipeRunner {
  readonly pipe: PipeDefinition;
  readonly stats: Readonly<PipeRunnerStats>;
  /**
   * Resolves when every shard has been polled to its end after this call and no batch is pending or
   * in flight (for tests and demos).
   * @param timeoutMs rejects after this long @default 30000
   */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops reading; an execution in flight is aborted and not dead-lettered. */
  stop(): Promise<void>;
  /**
   * What became of each record read, in the order read (the last `outcomeLimit` records, 10,000 by
   * default): `filtered` (with why), `in-flight`, `delivered`, or `dead-lettered` (with the condition
   * and the last error), and the points where AWS is silent that it depended on.
   */
  records(): RecordOutcome[];
}

/** The payload limit of a synchronous Lambda invocation, which bounds a batch (eb-pipes-dynamodb.html). */
const MAX_BATCH_BYTES = 6 * 1024 * 1024;

/**
 * Starts running a pipe. Resolves once every shard open at start has its iterator, so that records
 * written afterwards are read even with `StartingPosition: LATEST`.
 * @throws Error for a setting the runner does not honour
 */
export async function startPipeRunner(options: PipeRunnerOptions): Promise<PipeRunner> {
  const runner = new Runner(options);
  await runner.start();
  return runner;
}


/** A record that passed the filter, in a batch. */
interface ReadRecord {
  readonly source: SourceRecord;
  /** Its outcome, updated as the runner works on it. */
  readonly outcome: OutcomeEntry;
  /** Position among the records of its shard that passed the filter (consecutive ordinals: no passing record between). */
  readonly ordinal: number;
  /** Records of its shard the filter dropped between the previous passing record and this one. */
  readonly filteredBefore: number;
}

interface ShardState {
  readonly reader: ShardReader;
  status: 'reading' | 'finished';
  /** Start time of the last poll that returned no records while nothing was pending. */
  caughtUpSince: number;
  busy: boolean;
}

class Runner implements PipeRunner {
  public readonly pipe: PipeDefinition;
  public readonly stats: PipeRunnerStats = {
    pipeExecutions: 0,
    enrichmentInvocations: 0,
    targetSendRequests: 0,
    getRecordsRequests: 0,
    getShardIteratorRequests: 0,
    describeStreamRequests: 0,
    listStreamsRequests: 0,
    recordsRead: 0,
    recordsFiltered: 0,
    recordsDelivered: 0,
    recordsDroppedByEnrichment: 0,
    messagesSent: 0,
    batchesDeadLettered: 0,
    recordsDiscarded: 0,
    internalErrors: 0,
    unspecified: {},
  };
  private readonly streams: DynamoDBStreamsClient;
  private readonly clients: PipeClients;
  private readonly source: StreamSource;
  private readonly enrichment: EnrichmentStage;
  private readonly target: TargetStage;
  private readonly logger: PipeLogger;
  private readonly runnerLog: RunnerLog;
  private readonly pipeArn: string;
  private readonly pollIntervalMs: number;
  private readonly discoveryIntervalMs: number;
  private readonly executionTimeoutMs: number;
  private readonly backoff: Required<BackoffOptions>;
  private readonly strict: boolean;
  private readonly readings: Required<UnspecifiedReadings>;
  /** Points already reported in the runner's log (once per pipe and point). */
  private readonly warned = new Set<UnspecifiedId>();
  private readonly outcomes: OutcomeLog;
  private readonly shards: ShardState[] = [];
  private readonly loops = new Set<Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private readonly wakers = new Set<() => void>();
  /** Clients the runner created, destroyed when it stops (clients passed in belong to the caller). */
  private readonly ownClients: Array<{ destroy(): void }> = [];
  /** Shards being handed out by the source (idle() waits for them). */
  private starting = 0;
  private stopped = false;
  private failure: Error | undefined;

  constructor(options: PipeRunnerOptions) {
    const pipe = options.pipe;
    this.pipe = pipe;
    if (pipe.source.parallelizationFactor !== 1) {
      throw new Error(`Pipe ${pipe.name}: ParallelizationFactor ${pipe.source.parallelizationFactor} is not supported by the local pipe runner, which processes one batch per shard at a time; allowed: 1`);
    }
    if (!Number.isInteger(pipe.source.batchSize) || pipe.source.batchSize < 1) {
      throw new Error(`Pipe ${pipe.name}: batch size ${pipe.source.batchSize} is not a positive integer`);
    }
    this.enrichment = enrichmentFor(pipe);
    this.target = targetFor(pipe);
    this.streams = options.clients?.streams ?? this.own(new DynamoDBStreamsClient({}));
    // useQueueUrlAsEndpoint false: requests go to the client's endpoint (the target queue is in the pipe's
    // region), not to the host of the URL GetQueueUrl returned, which emulators may give an unusable host.
    this.clients = {
      lambda: options.clients?.lambda ?? this.own(new LambdaClient({})),
      sqs: options.clients?.sqs ?? this.own(new SQSClient({ useQueueUrlAsEndpoint: false })),
    };
    this.logger = options.logger ?? stderrLogger;
    this.runnerLog = options.log ?? stderrRunnerLog;
    this.pipeArn = pipeArnOf(pipe);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.discoveryIntervalMs = options.shardDiscoveryIntervalMs ?? 10_000;
    this.executionTimeoutMs = (options.executionTimeoutSeconds ?? 300) * 1000;
    this.backoff = { ...defaultBackoff(pipe.source.maximumRetryAttempts), ...options.backoff };
    this.strict = options.strict ?? false;
    checkReadings(options.readings ?? {});
    this.readings = { ...DEFAULT_READINGS, ...options.readings };
    const onSettled = options.onRecordSettled;
    this.outcomes = new OutcomeLog(options.outcomeLimit, onSettled ? outcome => onSettled(outcome, pipe.name) : undefined);
    this.source = sourceFor(pipe, { streams: this.streams }, this.sourceContext());
  }

  public async start(): Promise<void> {
    if (this.pipe.desiredState === 'STOPPED') {
      return; // A stopped pipe does not read its source.
    }
    // EventBridge runs every pattern it accepts, useless ones included; say which parts cannot match.
    for (const finding of filterLints(this.pipe)) {
      this.report('WARN', `Filter pattern ${finding.pattern} at ${finding.path}: ${finding.message} (it runs as EventBridge runs it)`);
    }
    await this.source.start();
    await this.startReadable();
    this.spawn(this.discoveryLoop());
  }

  public async idle(timeoutMs = 30_000): Promise<void> {
    const since = Date.now();
    const deadline = since + timeoutMs;
    while (Date.now() < deadline) {
      if (this.failure) {
        throw this.failure;
      }
      const ready = this.starting === 0 && !this.source.hasReadable()
        && this.shards.every(s => s.status === 'finished' || (!s.busy && s.caughtUpSince >= since));
      if (this.stopped || this.pipe.desiredState === 'STOPPED' || ready) {
        return;
      }
      await new Promise(resolve => setTimeout(resolve, 25));
    }
    throw new Error(`Pipe ${this.pipe.name}: not idle after ${timeoutMs} ms (${JSON.stringify(this.stats)})`);
  }

  public records(): RecordOutcome[] {
    return this.outcomes.list();
  }

  public async stop(): Promise<void> {
    this.stopped = true;
    for (const abort of this.aborts) abort.abort();
    for (const wake of this.wakers) wake();
    while (this.loops.size > 0) {
      await Promise.allSettled([...this.loops]);
    }
    this.source.stop();
    for (const client of this.ownClients.splice(0)) client.destroy();
  }

  private own<T extends { destroy(): void }>(client: T): T {
    this.ownClients.push(client);
    return client;
  }

  private sourceContext(): SourceContext {
    return {
      count: (action) => {
        if (action === 'GetRecords') this.stats.getRecordsRequests++;
        if (action === 'GetShardIterator') this.stats.getShardIteratorRequests++;
        if (action === 'DescribeStream') this.stats.describeStreamRequests++;
        if (action === 'ListStreams') this.stats.listStreamsRequests++;
      },
      error: (message) => this.report('ERROR', message),
      sleep: (ms) => this.sleep(ms),
      stopped: () => this.stopped,
    };
  }

  private spawn(loop: Promise<void>): void {
    const tracked = loop.catch((error: Error) => {
      if (!this.stopped) {
        this.failure ??= error;
        this.report('ERROR', `The pipe runner stopped reading: ${error.message}`);
      }
    }).finally(() => this.loops.delete(tracked));
    this.loops.add(tracked);
  }

  /** Sleeps, waking early when the runner stops. */
  private sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      if (this.stopped) return resolve();
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /**
   * Notes that the run depends on a point where AWS is silent: counts it, logs one WARN record per
   * point, and under `strict` records the failure (so that `idle()` rejects) and returns the error
   * for the caller to throw.
   */
  private noteUnspecified(id: UnspecifiedId, detail: string, records: readonly ReadRecord[]): UnspecifiedBehaviourError | undefined {
    this.stats.unspecified[id] = (this.stats.unspecified[id] ?? 0) + 1;
    for (const record of records) record.outcome.unspecified.add(id);
    if (!this.warned.has(id)) {
      this.warned.add(id);
      this.report('WARN', `Unspecified behaviour '${id}': ${detail}. AWS does not document what Pipes does here; `
        + `locally: ${UNSPECIFIED_POINTS[id].localChoice}${this.strict ? ' (strict: the execution fails instead)' : ''}`, id);
    }
    if (!this.strict) return undefined;
    const error = new UnspecifiedBehaviourError(id, detail);
    this.failure ??= error;
    return error;
  }

  /** A record of the runner's own log (not of the pipe's execution log). */
  private report(level: RunnerLogRecord['level'], message: string, unspecified?: string): void {
    this.runnerLog({ timestamp: Date.now(), level, pipe: this.pipe.name, message, ...(unspecified ? { unspecified } : {}) });
  }

  private async discoveryLoop(): Promise<void> {
    while (!this.stopped) {
      await this.sleep(this.discoveryIntervalMs);
      if (this.stopped) return;
      try {
        await this.source.discover();
      } catch (error) {
        this.report('ERROR', `Looking for new shards failed: ${(error as Error).message}`);
      }
      await this.startReadable();
    }
  }

  /** Starts a reading loop for every shard the source hands out now. */
  private async startReadable(): Promise<void> {
    if (this.stopped) return;
    this.starting++;
    try {
      for (const reader of await this.source.readable()) {
        const state: ShardState = { reader, status: 'reading', caughtUpSince: 0, busy: false };
        this.shards.push(state);
        this.spawn(this.read(state));
      }
    } finally {
      this.starting--;
    }
  }

  /** Reads one shard to its end, in order, sending batches through the pipe. */
  private async read(state: ShardState): Promise<void> {
    const source = this.pipe.source;
    const pending: ReadRecord[] = [];
    let pendingBytes = 0;
    let firstPendingAt = 0;
    let ordinal = 0;
    let filteredSince = 0;
    const flush = async (count: number) => {
      const batch = pending.splice(0, count);
      pendingBytes -= batch.reduce((sum, r) => sum + r.source.bytes, 0);
      firstPendingAt = Date.now();
      state.busy = true;
      try {
        await this.processBatch(batch);
      } finally {
        state.busy = pending.length > 0;
      }
    };
    while (!this.stopped) {
      const polledAt = Date.now();
      const page = await state.reader.next();
      if (this.stopped) return;
      for (const record of page.records) {
        this.stats.recordsRead++;
        if (!matchesFilter(this.pipe, record.event)) {
          this.stats.recordsFiltered++;
          filteredSince++;
          const reason = explainFilter(this.pipe, record.event);
          this.outcomes.add(record, 'filtered', reason);
          logFilteredRecord(this.pipe, this.logger, this.pipeArn, record.event, reason);
          continue;
        }
        if (pending.length > 0 && pendingBytes + record.bytes > MAX_BATCH_BYTES) {
          await flush(pending.length);
        }
        if (pending.length === 0) firstPendingAt = Date.now();
        pending.push({ source: record, outcome: this.outcomes.add(record, 'in-flight'), ordinal: ordinal++, filteredBefore: filteredSince });
        filteredSince = 0;
        pendingBytes += record.bytes;
        state.busy = true;
        while (pending.length >= source.batchSize && !this.stopped) {
          await flush(source.batchSize);
        }
      }
      const windowMs = source.maximumBatchingWindowSeconds * 1000;
      if (pending.length > 0 && !this.stopped && (windowMs === 0 || page.closed || Date.now() - firstPendingAt >= windowMs)) {
        await flush(pending.length);
      }
      if (page.closed) {
        // The shard is closed and read to its end: its children may start.
        state.status = 'finished';
        state.busy = false;
        await this.startReadable();
        return;
      }
      if (page.records.length === 0 && pending.length === 0) {
        state.caughtUpSince = polledAt;
      }
      if (page.records.length === 0) {
        const untilWindow = pending.length > 0 ? Math.max(0, firstPendingAt + windowMs - Date.now()) : Infinity;
        await this.sleep(Math.min(this.pollIntervalMs, untilWindow));
      }
    }
  }

  private delay(retry: number): number {
    const { initialDelayMs, maxDelayMs, multiplier } = this.backoff;
    return Math.min(maxDelayMs, initialDelayMs * multiplier ** (retry - 1));
  }

  /** Sends a batch through the pipe until it succeeds or is given up (dead-lettered). */
  private async processBatch(batch: ReadRecord[], retriesUsed = 0): Promise<void> {
    const source = this.pipe.source;
    let records = batch;
    let retries = retriesUsed;
    let internalFailures = 0;
    for (;;) {
      if (this.stopped) return;
      if (source.maximumRecordAgeSeconds >= 0) {
        const now = Date.now();
        const expired = records.filter(r => now - r.source.latestCreationMs > source.maximumRecordAgeSeconds * 1000);
        if (expired.length > 0) {
          await this.deadLetter(expired, 'RecordAgeExceeded', `older than MaximumRecordAgeInSeconds (${source.maximumRecordAgeSeconds} s)`);
          records = records.filter(r => !expired.includes(r));
          if (records.length === 0) return;
        }
      }
      let failure: PipeStageError | Error;
      try {
        const result = await this.execute(records);
        if (result.invoked) {
          this.stats.recordsDelivered += records.length;
          for (const record of records) this.outcomes.settle(record.outcome, 'delivered');
        } else {
          this.stats.recordsDroppedByEnrichment += records.length;
          const reason = ['the enrichment returned no item to send, so the target was not invoked'];
          for (const record of records) this.outcomes.settle(record.outcome, 'filtered', reason);
        }
        return;
      } catch (error) {
        failure = error as Error;
      }
      if (this.stopped) return;
      if (failure instanceof PipeStageError && failure.failedItems) {
        records = this.remainder(failure, records);
      }
      if (failure instanceof PipeStageError && failure.internal) {
        // A pipe internal error: retried until it succeeds or the records expire, not counted as a retry.
        internalFailures++;
        this.stats.internalErrors++;
        this.report('ERROR', `Internal error, retried without counting against MaximumRetryAttempts: ${failure.message}`);
        await this.sleep(this.delay(Math.min(internalFailures, 10)));
        continue;
      }
      if (this.bisects(failure, records)) {
        const half = Math.ceil(records.length / 2);
        await this.processBatch(records.slice(0, half), retries);
        await this.processBatch(records.slice(half), retries);
        return;
      }
      if (source.maximumRetryAttempts >= 0 && retries >= source.maximumRetryAttempts) {
        await this.deadLetter(records, 'RetryAttemptsExhausted', `last error: ${failure.message}`);
        return;
      }
      retries++;
      await this.sleep(this.delay(retries));
    }
  }

  /**
   * The records still to deliver after a partly failed target call: "If the target supports batching
   * and only part of the batch succeeds, EventBridge automatically retries batching the remainder of
   * the payload ... including re-invoking any configured enrichment" (eb-pipes-batching-concurrency.html).
   * With one item per record, items map to records by position and the remainder is the records of the
   * refused items; otherwise (where AWS is silent: partial-batch-items-not-one-per-record) it is the
   * whole batch.
   */
  private remainder(failure: PipeStageError, records: ReadRecord[]): ReadRecord[] {
    const refused = new Set(failure.failedItems!.map(item => item.index));
    this.stats.messagesSent += failure.sent ?? 0;
    if (failure.itemCount === records.length) {
      const delivered = records.filter((_record, index) => !refused.has(index));
      this.stats.recordsDelivered += delivered.length;
      for (const record of delivered) this.outcomes.settle(record.outcome, 'delivered');
      return records.filter((_record, index) => refused.has(index));
    }
    this.noteUnspecified('partial-batch-items-not-one-per-record',
      `SQS refused ${refused.size} of ${failure.itemCount} items that the enrichment returned for ${records.length} records; the whole batch is retried`, records);
    return records;
  }

  /**
   * Whether AUTOMATIC_BISECT halves a failed batch: "halves each batch and retry each half until all the
   * records are processed or there is one failed message remaining" (eb-pipes-dynamodb.html), on a
   * failed target step; on a failed enrichment only under the reading 'bisect' (enrichment-failure-bisect).
   */
  private bisects(failure: Error, records: ReadRecord[]): boolean {
    if (this.pipe.source.onPartialBatchItemFailure !== 'AUTOMATIC_BISECT' || records.length < 2 || !(failure instanceof PipeStageError)) {
      return false;
    }
    if (failure.stage === 'TARGET') {
      return true;
    }
    const reading = this.readings['enrichment-failure-bisect'];
    this.noteUnspecified('enrichment-failure-bisect',
      `the enrichment failed on a batch of ${records.length} records with AUTOMATIC_BISECT; the batch is ${reading === 'bisect' ? 'halved (reading bisect)' : 'retried whole (reading retry-whole-batch)'}`,
      records);
    return reading === 'bisect';
  }

  /** One pipe execution: enrichment then target, within the execution time limit. */
  private async execute(records: readonly ReadRecord[]): Promise<TargetResult> {
    this.stats.pipeExecutions++;
    const reporter = executionReporter(this.pipe, this.logger, this.pipeArn);
    const report = (step: PipeExecutionStep, detail?: StepDetail) => {
      if (step === 'ENRICHMENT_INVOCATION_STARTED') this.stats.enrichmentInvocations++;
      if (step === 'TARGET_INVOCATION_STARTED') this.stats.targetSendRequests++;
      reporter(step, detail);
    };
    const abort = new AbortController();
    this.aborts.add(abort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.executionTimeoutMs);
    const events = records.map(r => r.source.event);
    const unspecified = (id: UnspecifiedId, detail: string) => {
      const error = this.noteUnspecified(id, detail, records);
      if (error) throw error;
    };
    const stageOptions = { report, abortSignal: abort.signal, unspecified, readings: this.readings };
    report('EXECUTION_STARTED', { payload: events });
    try {
      const items = await this.enrichment(this.pipe, this.clients, events, stageOptions);
      if (timedOut) throw new PipeStageError('ENRICHMENT', 'The execution timed out');
      const result = await this.target(this.pipe, this.clients, items, stageOptions);
      this.stats.messagesSent += result.sent;
      report('EXECUTION_SUCCEEDED');
      return result;
    } catch (error) {
      // Aborted because the runner stops: not a failed execution, and not logged as one.
      if (this.stopped && !timedOut) throw error;
      const message = timedOut ? `The execution did not finish within ${this.executionTimeoutMs / 1000} s` : (error as Error).message;
      report(timedOut ? 'EXECUTION_TIMEOUT' : 'EXECUTION_FAILED', { error: { message } });
      throw timedOut ? new Error(message) : error;
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  /**
   * Gives records up: writes messages describing them to the source dead-letter queue, in the shape
   * Pipes uses (tools/pipe/dead-letter-message.ts, with the source's batch info), one per run of
   * consecutive records (where AWS is silent: dlq-non-contiguous-records).
   */
  private async deadLetter(records: ReadRecord[], condition: DeadLetterCondition, why: string): Promise<void> {
    const runs: ReadRecord[][] = [];
    for (const record of records) {
      const run = runs[runs.length - 1];
      if (run && run[run.length - 1].ordinal + 1 === record.ordinal) run.push(record);
      else runs.push([record]);
    }
    if (runs.length > 1) {
      this.noteUnspecified('dlq-non-contiguous-records',
        `${records.length} records given up (${condition}) are not consecutive in the stream; they are described by ${runs.length} dead-letter messages`, records);
    }
    for (const run of runs) {
      const filtered = run.slice(1).reduce((sum, record) => sum + record.filteredBefore, 0);
      if (filtered > 0) {
        this.noteUnspecified('dlq-batch-size-with-filtered-records',
          `the dead-letter message's range holds ${filtered} record${filtered === 1 ? '' : 's'} the filter dropped; its batchSize counts the ${run.length} of the batch`, run);
      }
      const written = await this.deadLetterRun(run.map(record => record.source), condition);
      if (written === undefined) return; // stopped
      const reason = [condition, why, ...written ? [] : ['discarded: the pipe has no dead-letter queue']];
      for (const record of run) this.outcomes.settle(record.outcome, 'dead-lettered', reason);
    }
  }

  /** @returns true when written, false when discarded (no dead-letter queue), undefined when the runner stopped first */
  private async deadLetterRun(records: SourceRecord[], condition: DeadLetterCondition): Promise<boolean | undefined> {
    const queueArn = this.pipe.source.deadLetterQueueArn;
    const batchInfo = this.source.batchInfo(records);
    if (!queueArn) {
      this.stats.recordsDiscarded += records.length;
      this.report('WARN', `${condition}: ${records.length} records discarded (the pipe has no dead-letter queue): ${JSON.stringify(batchInfo)}`);
      return false;
    }
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const queueUrl = await queueUrlOf(this.clients.sqs, queueArn);
        const body = pipesDeadLetterMessage(this.pipeArn, condition, batchInfo);
        await this.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
        this.stats.batchesDeadLettered++;
        return true;
      } catch (error) {
        this.report('ERROR', `Writing to the dead-letter queue ${queueArn} failed (attempt ${attempt}): ${describeError(error)}`);
        await this.sleep(this.delay(Math.min(attempt, 10)));
      }
    }
    return undefined;
  }
}
