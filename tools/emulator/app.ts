/**
 * Runs a synthesized CDK app's data path on 127.0.0.1: DynamoDB Local and fauxqs holding the tables
 * and queues of its templates, the local Lambda service serving its functions, a pipe runner per
 * `AWS::Pipes::Pipe`, the Pipes API's DescribePipe for the replay tool, and the REST API's routes.
 *
 * Nothing here knows a particular app: it works on any cloud assembly whose pipes read a DynamoDB
 * stream and send to SQS (the `EnrichedStreamToQueue` shape).
 *
 * Every client, the pipe runners and the functions reach the local services through the AWS SDK's
 * standard endpoint variables (`AWS_ENDPOINT_URL_<SERVICE>`), which `startLocalApp` sets in this
 * process while the app runs (and restores on `stop()`):
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 * `AWS_ENDPOINT_URL`, the endpoint of every other service, is the catch-all (catch-all/), which
 * answers with an error naming the service: nothing reaches AWS. Neither this process while the app
 * runs nor the functions see the caller's credentials, profiles or AWS config files
 * (support/aws-environment.ts).
 *
 * The services in child processes (DynamoDB Local, the SQS emulator) are supervised: one that exits
 * unexpectedly is logged by name, pid and cause, `failed` resolves with that error and `idle()`
 * rejects with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { apiRoutesFromTemplate, startApiServer } from './apigateway/rest-api';
import { LocalAssembly } from '../cloudformation/assembly';
import { startDynamoDBLocal } from './backends/dynamodb-local';
import { startSqsEmulator } from './backends/sqs-emulator';
import { startCatchAllApi } from './catch-all/catch-all-api';
import { readFunctions, type LocalFunction, type UnavailableFunction } from './lambda/functions';
import { RESERVED_FUNCTION_VARIABLES, startLambdaService } from './lambda/invoke-api';
import { startPipesApi } from './pipes/describe-pipe-api';
import { checkLocalApp } from './preflight';
import { createResources, type LocalQueue, type LocalResources, type LocalTable } from './resources/resources';
import { NO_CALLER_CONFIGURATION, processEnvironmentChanges } from './support/aws-environment';
import { type LocalService } from './support/service';
import { type PipeRunner, type PipeRunnerOptions, startPipeRunner } from '../engine/runner';
import type { PipeDefinition } from '../pipe/definition';
import { pipeFromTemplate } from '../pipe/from-template';

/** The credentials the local services are called with (DynamoDB Local runs with -sharedDb, fauxqs checks none). */
export const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } as const;

/** Options for {@link startLocalApp}. */
export interface LocalAppOptions {
  /**
   * The cloud assembly (`cdk.out`) to run, or a promise of it (a synth under way): nothing starts
   * before it is there and checked.
   */
  readonly assemblyDir: string | Promise<string>;
  /**
   * The port of the REST API.
   * @default 0 (a free port)
   */
  readonly port?: number;
  /**
   * Variables added to every function's environment, over the template's and the local endpoints
   * (for example an `AWS_ENDPOINT_URL_DYNAMODB` that counts requests). The variables the Lambda
   * runtime reserves and the run's credentials are refused ({@link checkFunctionEnvironment}).
   * @default - none
   */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /**
   * DynamoDB Local and the SQS emulator to use instead of starting them (for example those a jest
   * global setup started once for every test file). They must keep one database per access key
   * (DynamoDB Local without -sharedDb, the SQS emulator started with `perAccessKey`), so that this
   * app, reached with {@link accessKeyId}, sees only its own tables and queues. They are not stopped.
   * @default - both are started, and stopped by `stop()`
   */
  readonly services?: { readonly dynamodb: string; readonly sqs: string };
  /**
   * The access key every client of the app uses (its functions', its pipes', this process's). With
   * shared {@link services}, a key of its own keeps the app's tables and queues apart from others'.
   * Letters and digits only, as DynamoDB Local requires:
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html
   * @default 'local'
   */
  readonly accessKeyId?: string;
  /** Options for every pipe runner (backoff, logger, poll interval). */
  readonly runnerOptions?: Omit<PipeRunnerOptions, 'pipe' | 'clients'>;
  /**
   * Where progress and the functions' output go, one line at a time.
   * @default stderr
   */
  readonly log?: (line: string) => void;
  /** Aborts the start: whatever has started is stopped, and the start rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** One pipe running locally, with the resources around it. */
export interface LocalPipe {
  readonly logicalId: string;
  readonly stackName: string;
  readonly definition: PipeDefinition;
  readonly runner: PipeRunner;
  /** The table whose stream the pipe reads. */
  readonly sourceTable?: LocalTable;
  /** The target queue. */
  readonly queue?: LocalQueue;
  /** The target queue's dead-letter queue (its redrive policy's), if any. */
  readonly deadLetterQueue?: LocalQueue;
  /** The pipe's source dead-letter queue, if any. */
  readonly sourceDeadLetterQueue?: LocalQueue;
}

/** A running local app. */
export interface LocalApp {
  /** The endpoints of the local services. */
  readonly endpoints: {
    readonly dynamodb: string;
    readonly sqs: string;
    readonly lambda: string;
    readonly pipes: string;
    /** The first REST API's base URL, when the app has one (its routes have no stage prefix). */
    readonly api?: string;
    /** The base URL of every REST API. */
    readonly apis: readonly string[];
  };
  /**
   * The variables that point an AWS SDK (or CLI) at the local services: AWS_REGION, the local
   * credentials and every AWS_ENDPOINT_URL_* (set in this process while the app runs).
   */
  readonly environment: Readonly<Record<string, string>>;
  readonly region: string;
  readonly assembly: LocalAssembly;
  readonly resources: LocalResources;
  readonly tables: readonly LocalTable[];
  readonly queues: readonly LocalQueue[];
  readonly functions: readonly LocalFunction[];
  /** The functions that were not started because they cannot run locally and no pipe or REST API route calls them. */
  readonly functionsNotStarted: readonly UnavailableFunction[];
  readonly pipes: readonly LocalPipe[];
  readonly runners: readonly PipeRunner[];
  /**
   * Resolves with the first failure of the run that no call reports, such as a service whose process
   * died (`DynamoDB Local (pid 123) exited unexpectedly: SIGKILL`); never settles while all is well.
   */
  readonly failed: Promise<Error>;
  /** The table or queue with this construct path (`aws:cdk:path`, e.g. `Stack/Table/Resource`) or logical id. */
  table(pathOrLogicalId: string): LocalTable;
  queue(pathOrLogicalId: string): LocalQueue;
  /**
   * Resolves when every pipe has read its streams to the end and has nothing in flight; rejects with
   * the run's failure (see `failed`) when a service died.
   */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops everything started (DynamoDB Local's JVM included) and restores this process's environment. */
  stop(): Promise<void>;
}

const ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_ENDPOINT_URL_PIPES',
];

/** The services a local run serves, as the catch-all names them. */
const SERVED = ['DynamoDB', 'DynamoDB Streams', 'SQS', 'Lambda (Invoke)', 'EventBridge Pipes (DescribePipe)'];

/**
 * After a runner fails, how long to wait for the exit of the service that may have caused it (its
 * connection errors often arrive before its exit is reported), so that the failure names the cause.
 */
const CAUSE_GRACE_MS = 1_000;

/**
 * Starts the app of a cloud assembly locally. On failure, stops whatever had started and rethrows.
 */
export async function startLocalApp(options: LocalAppOptions): Promise<LocalApp> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stops: (() => Promise<void>)[] = [];
  const savedEnvironment = new Map<string, string | undefined>();
  const setEnvironment = (changes: Readonly<Record<string, string | undefined>>) => {
    for (const [name, value] of Object.entries(changes)) {
      if (!savedEnvironment.has(name)) savedEnvironment.set(name, process.env[name]);
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  let stopping: Promise<void> | undefined;
  let failure: Error | undefined;
  let reportFailure!: (error: Error) => void;
  const failed = new Promise<Error>((resolve) => {
    reportFailure = resolve;
  });
  /** Watches a service in a child process for an exit before `stop()`. */
  const watch = (service: LocalService) => {
    void service.died?.then((error) => {
      if (stopping !== undefined) return;
      failure ??= error;
      log(`${error.message}; the local run cannot go on (stop it, or restart it)`);
      reportFailure(error);
    });
  };
  const stopAll = () => {
    stopping ??= (async () => {
      // Last started, first stopped: the runners stop reading before the services go away.
      for (const stop of stops.splice(0).reverse()) {
        await stop().catch((error: Error) => log(`stopping: ${error.message}`));
      }
      for (const [name, value] of savedEnvironment) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    })();
    return stopping;
  };

  const accessKeyId = options.accessKeyId ?? LOCAL_CREDENTIALS.AWS_ACCESS_KEY_ID;
  if (!/^[A-Za-z0-9]+$/.test(accessKeyId)) {
    throw new Error(`accessKeyId must be letters and digits only (DynamoDB Local refuses others), got ${accessKeyId}`);
  }
  const credentialVariables = { ...LOCAL_CREDENTIALS, AWS_ACCESS_KEY_ID: accessKeyId };
  checkFunctionEnvironment(options.functionEnvironment);
  try {
    // Everything the run reads from the assembly is checked before anything starts (a synth that
    // fails, or a hostile or broken assembly, starts nothing).
    const signal = options.signal;
    const checked = await checkLocalApp(await options.assemblyDir);
    signal?.throwIfAborted();
    // Services a jest global setup started once for the whole run are shared, not started again.
    const shared = options.services;
    const sharedService = (endpoint: string): Promise<LocalService> => Promise.resolve({ endpoint, stop: async () => {} });
    const started = await Promise.allSettled(shared
      ? [sharedService(shared.dynamodb), sharedService(shared.sqs)]
      : [startDynamoDBLocal({ log, signal }), startSqsEmulator({ signal })]);
    for (const result of started) {
      if (result.status === 'fulfilled') {
        stops.push(result.value.stop);
        watch(result.value);
      }
    }
    signal?.throwIfAborted();
    const startFailure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (startFailure) throw startFailure.reason;
    const [dynamodbLocal, sqsEmulator] = started.map((result) => (result as PromiseFulfilledResult<LocalService>).value);
    // Every other service's calls end here, with an error naming the service, instead of in AWS.
    const catchAll = await startCatchAllApi({ served: SERVED, log });
    stops.push(catchAll.stop);

    const assembly = new LocalAssembly(checked);
    const region = assembly.assembly.stacks[assembly.assembly.stacks.length - 1].region;
    const credentials = { accessKeyId, secretAccessKey: credentialVariables.AWS_SECRET_ACCESS_KEY };
    const dynamodb = new DynamoDBClient({ endpoint: dynamodbLocal.endpoint, region, credentials });
    const sqs = new SQSClient({ endpoint: sqsEmulator.endpoint, region, credentials });
    let resources: LocalResources;
    try {
      resources = await createResources(assembly, { dynamodb, sqs });
    } finally {
      dynamodb.destroy();
      sqs.destroy();
    }

    signal?.throwIfAborted();
    // Functions and pipes read their names and ARNs through the same resolver. Inline code is written
    // to a folder of this run's own, removed by stop().
    let inlineCodeDir: string | undefined;
    const functionsOptions = {
      assemblyRoot: assembly.assembly.directory,
      get inlineCodeDir() {
        if (inlineCodeDir === undefined) {
          inlineCodeDir = mkdtempSync(path.join(tmpdir(), 'cdk-enriched-stream-to-queue-functions-'));
          const created = inlineCodeDir;
          stops.push(async () => rmSync(created, { recursive: true, force: true }));
        }
        return inlineCodeDir;
      },
    };
    const read = assembly.assembly.stacks.map((stack) =>
      readFunctions(stack.template, stack.directory, (value) => assembly.resolveString(stack, value), functionsOptions));
    const functions = read.flatMap((stack) => stack.functions);
    const unavailable = read.flatMap((stack) => stack.unavailable);
    const apiRoutes = assembly.assembly.stacks.map((stack) => ({
      stack,
      routes: apiRoutesFromTemplate(stack.template, (value: unknown) => assembly.resolveString(stack, value)),
    }));
    const pipeResources = assembly.resources().filter(({ resource }) => resource.Type === 'AWS::Pipes::Pipe');
    const definitions = pipeResources.map(({ stack, logicalId, resource }) => {
      const resolve = assembly.resolverFor(stack, logicalId);
      const properties = resource.Properties ?? {};
      // A pipe without Name gets the same stable physical name as every other resource.
      const named = { ...resource, Properties: { ...properties, Name: properties.Name ?? assembly.physicalName(stack, logicalId) } };
      return { ...pipeFromTemplate(logicalId, named, resolve), arn: resolve({ 'Fn::GetAtt': [logicalId, 'Arn'] }) };
    });
    // A function that cannot run stops the app only when a pipe or an API route calls it: checked
    // before anything started (preflight.ts); the others are listed.
    if (unavailable.length > 0) {
      log(`Functions not started (no pipe or REST API route calls them): ${unavailable.map((fn) => `${fn.logicalId}: ${fn.reason}`).join('; ')}`);
    }

    // Endpoints: services first, so that the Lambda service hands them to the functions.
    const pipesApi = await startPipesApi(definitions, { log });
    stops.push(pipesApi.stop);
    const settings: Record<string, string> = {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      ...credentialVariables,
      AWS_ENDPOINT_URL: catchAll.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbLocal.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamodbLocal.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEmulator.endpoint,
      AWS_ENDPOINT_URL_PIPES: pipesApi.endpoint,
    };
    // From here on, this process has none of the caller's credentials, profiles or config files.
    setEnvironment(processEnvironmentChanges(settings));

    const lambdaService = await startLambdaService({
      functions,
      environment: (endpoint) => ({
        ...credentialVariables,
        ...endpointsOf({ ...settings, AWS_ENDPOINT_URL_LAMBDA: endpoint }),
        ...NO_CALLER_CONFIGURATION,
        ...options.functionEnvironment,
      }),
      log,
    });
    stops.push(lambdaService.stop);
    const environment: Record<string, string> = { ...settings, AWS_ENDPOINT_URL_LAMBDA: lambdaService.endpoint };
    setEnvironment({ AWS_ENDPOINT_URL_LAMBDA: lambdaService.endpoint });

    signal?.throwIfAborted();
    const queueByArn = (arn: string | undefined) => resources.queues.find((queue) => queue.queueArn === arn);
    const pipes: LocalPipe[] = [];
    for (const [index, definition] of definitions.entries()) {
      const { stack, logicalId } = pipeResources[index];
      // The SDK's default configuration (endpoints from AWS_ENDPOINT_URL_*), made here so that stop() closes their sockets.
      const clients = { streams: new DynamoDBStreamsClient({}), lambda: new LambdaClient({}), sqs: new SQSClient({}) };
      stops.push(async () => Object.values(clients).forEach((client) => client.destroy()));
      const runner = await startPipeRunner({
        // The runner's own records (a service it cannot reach, a dead-letter message it cannot write, a
        // point where AWS is silent) go to the app's log, whatever the pipe's log level.
        log: (record) => log(JSON.stringify(record)),
        ...options.runnerOptions,
        pipe: definition,
        clients,
      });
      stops.push(() => runner.stop());
      const queue = queueByArn(definition.target.queueArn);
      const redrive = queue?.attributes.RedrivePolicy ? JSON.parse(queue.attributes.RedrivePolicy) as { deadLetterTargetArn?: string } : undefined;
      pipes.push({
        logicalId,
        stackName: stack.stackName,
        definition,
        runner,
        sourceTable: resources.tables.find((table) => table.streamArn === definition.source.streamArn),
        queue,
        deadLetterQueue: queueByArn(redrive?.deadLetterTargetArn),
        sourceDeadLetterQueue: queueByArn(definition.source.deadLetterQueueArn),
      });
    }

    // One server per REST API; the first listens on the given port.
    const apiEndpoints: string[] = [];
    for (const { routes } of apiRoutes) {
      for (const restApi of [...new Set(routes.map((route) => route.restApiLogicalId))]) {
        const api = await startApiServer({
          port: apiEndpoints.length === 0 ? options.port ?? 0 : 0,
          routes: routes.filter((route) => route.restApiLogicalId === restApi),
          lambdaEndpoint: lambdaService.endpoint,
          log,
        });
        stops.push(api.stop);
        apiEndpoints.push(api.endpoint);
      }
    }

    const find = <T extends { path?: string; logicalId: string }>(items: readonly T[], what: string, key: string): T => {
      const found = items.find((item) => item.path === key || item.logicalId === key || item.path === `${key}/Resource`);
      if (!found) {
        throw new Error(`The local app has no ${what} '${key}' (it has ${items.map((item) => item.path ?? item.logicalId).join(', ')})`);
      }
      return found;
    };
    const skippedUnknown = resources.skipped.filter((skipped) => skipped.reason.startsWith('not created locally'));
    if (skippedUnknown.length > 0) {
      log(`Not run locally: ${skippedUnknown.map((skipped) => `${skipped.logicalId} (${skipped.type})`).join(', ')}`);
    }
    if (failure) throw failure;
    signal?.throwIfAborted();
    return {
      endpoints: {
        dynamodb: dynamodbLocal.endpoint,
        sqs: sqsEmulator.endpoint,
        lambda: lambdaService.endpoint,
        pipes: pipesApi.endpoint,
        api: apiEndpoints[0],
        apis: apiEndpoints,
      },
      environment,
      region,
      assembly,
      resources,
      tables: resources.tables,
      queues: resources.queues,
      functions,
      functionsNotStarted: unavailable,
      pipes,
      runners: pipes.map((pipe) => pipe.runner),
      table: (key) => find(resources.tables, 'table', key),
      queue: (key) => find(resources.queues, 'queue', key),
      failed,
      idle: async (timeoutMs) => {
        if (failure) throw failure;
        try {
          await Promise.race([
            Promise.all(pipes.map((pipe) => pipe.runner.idle(timeoutMs))),
            failed.then((error) => Promise.reject(error)),
          ]);
        } catch (error) {
          if (!failure) await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, CAUSE_GRACE_MS))]);
          throw failure ?? error;
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    // A service that died during startup explains the error its death caused (ECONNREFUSED ...).
    if (!failure) await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 50))]);
    await stopAll();
    throw failure ?? error;
  }
}

/** What {@link LocalAppOptions.functionEnvironment} may not set: the Lambda runtime's reserved variables and the run's credentials. */
const NOT_SETTABLE = [...RESERVED_FUNCTION_VARIABLES, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/**
 * Refuses a function environment the functions would not get as given: a reserved variable (Lambda
 * refuses them too: https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * the run's credentials (with shared services the access key chooses the tables and queues), a name
 * that is not a variable name, or a value that is not a string (callers without types).
 */
export function checkFunctionEnvironment(environment: Readonly<Record<string, string>> | undefined): void {
  for (const [name, value] of Object.entries(environment ?? {})) {
    if (NOT_SETTABLE.includes(name)) {
      throw new Error(`functionEnvironment: ${name} is set by the local run for every function and cannot be changed (reserved: ${NOT_SETTABLE.join(', ')})`);
    }
    // Lambda's own rule for a variable's name (Environment.Variables, https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html).
    if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(name)) {
      throw new Error(`functionEnvironment: ${JSON.stringify(name)} is not a name Lambda accepts for a variable (a letter, then letters, digits or _)`);
    }
    if (typeof value !== 'string') {
      throw new Error(`functionEnvironment: ${name} must be a string, got ${typeof value}`);
    }
  }
}

/** The AWS_ENDPOINT_URL_* variables of an environment. */
function endpointsOf(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(ENDPOINT_VARIABLES.map((name) => [name, environment[name]]));
}
