/**
 * A local Lambda service: the Lambda Invoke API on 127.0.0.1, so that unchanged SDK clients (the
 * pipe runner's enrichment step, the replay tool, the API server) invoke local functions exactly as
 * they invoke them in AWS, through `AWS_ENDPOINT_URL_LAMBDA` (the approach of `sam local start-lambda`).
 *
 * The wire protocol follows the Invoke API reference,
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (also at
 * https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html):
 * `POST /2015-03-31/functions/{FunctionName}/invocations`, FunctionName a name, a full ARN or a
 * partial ARN (`<account>:function:<name>`), with an optional `Qualifier`; `X-Amz-Invocation-Type`
 * RequestResponse (200), Event (202) or DryRun (204); payload at most 6 MB for synchronous and 1 MB
 * for asynchronous invocations; a function error is a 200 response with `X-Amz-Function-Error` and the
 * error document as the payload; service errors are REST-JSON errors named by `x-amzn-ErrorType`.
 *
 * Each function runs in its own long-lived Node.js processes (tools/emulator/lambda/lambda-worker.js), one
 * invocation at a time per process like a warm execution environment, with only the function's own
 * environment variables, those the Lambda runtime sets
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
 * the credentials and the `AWS_ENDPOINT_URL_*` variables. Concurrent invocations start more processes,
 * up to `maxConcurrency` per function; beyond that they wait (AWS would throttle with
 * TooManyRequestsException; locally waiting keeps runs deterministic).
 *
 * Not modelled: versions and aliases (only `$LATEST`), the Event queue's retries and destinations,
 * the 10-second Init limit's retry, memory limits, layers, extensions, response streaming.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { LocalFunction } from './functions';
import { serveOnLoopback } from '../support/http';
import { describeExit, killOnExit } from '../support/processes';
import { LocalService } from '../support/service';

/**
 * Invoke's payload quotas: "For synchronous invocations, the maximum payload size is 6 MB. For
 * asynchronous invocations, the maximum payload size is 1 MB."
 * https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html
 */
export const SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
export const ASYNC_PAYLOAD_LIMIT_BYTES = 1024 * 1024;
/**
 * The largest response Lambda returns: 6 MB plus 100 bytes, as its error message for a larger
 * response states ("Response payload size (N bytes) exceeded maximum allowed payload size (6291556 bytes).").
 */
export const RESPONSE_LIMIT_BYTES = 6291556;
/** The execution environments per function at most. */
export const DEFAULT_MAX_CONCURRENCY = 10;
/** Lambda's limit for the Init phase of an on-demand function: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html */
const INIT_TIMEOUT_MS = 10_000;
/** The last 4 KB of the execution log are returned for `LogType: Tail`. */
const LOG_TAIL_BYTES = 4096;
/** Lines of an invocation's output kept for its log tail (enough for 4 KB). */
const LOG_TAIL_LINES = 4096;
const STOP_TIMEOUT_MS = 5_000;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const WORKER_FILE = path.join(__dirname, 'lambda-worker.js');

/** Options for {@link startLambdaService}. */
export interface LambdaServiceOptions {
  /** The functions to serve (see functionsFromTemplate). Names must be unique. */
  readonly functions: readonly LocalFunction[];
  /**
   * Variables added to every function's environment, over the template's (for example the
   * credentials and `AWS_ENDPOINT_URL_*` of local endpoints). The variables Lambda itself sets
   * (AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, ...) cannot be overridden.
   * A function gets the service's own endpoint (for `AWS_ENDPOINT_URL_LAMBDA`).
   * @default the parent's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_ENDPOINT_URL_*
   */
  readonly environment?: Readonly<Record<string, string>> | ((endpoint: string) => Readonly<Record<string, string>>);
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default DEFAULT_MAX_CONCURRENCY */
  readonly maxConcurrency?: number;
  /**
   * Where the functions' console output goes, one line at a time, prefixed with `[function name] `.
   * @default the parent's stderr
   */
  readonly log?: (line: string) => void;
}

/** A started local Lambda service. */
export interface LambdaService extends LocalService {
  /** The names of the functions served. */
  readonly functionNames: string[];
}

/** The error document a failed invocation returns as its payload. */
interface ErrorDocument {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: string[];
}

interface InvokeRequest {
  readonly requestId: string;
  readonly payload: string;
  readonly invokedFunctionArn: string;
  readonly clientContext?: unknown;
}

interface FunctionAddress {
  readonly name: string;
  readonly region?: string;
  readonly account?: string;
  readonly qualifier?: string;
}

interface Outcome {
  readonly body?: string;
  readonly error?: ErrorDocument;
  readonly log: string;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'started'; requestId: string }
  | { type: 'init-error'; error: ErrorDocument }
  | { type: 'result'; requestId: string; body?: string; error?: ErrorDocument; fatal?: boolean; written?: OutputBytes };

/** Bytes a worker wrote to its stdout and stderr since it started. */
interface OutputBytes {
  readonly stdout: number;
  readonly stderr: number;
}

/** How long a result waits for the output written before it (already in the pipes) at most. */
const OUTPUT_WAIT_MS = 1_000;


/** One execution environment: a worker process. */
class ExecutionEnvironment {
  readonly child: ChildProcess;
  /** Resolves when the handler is loaded; rejects with the Init error. */
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  private captured: string[] | undefined;
  private onMessage: ((message: WorkerMessage) => void) | undefined;
  private onExit: ((description: string) => void) | undefined;
  /** Bytes read from the worker's stdout and stderr so far. */
  private readonly received = { stdout: 0, stderr: 0 };
  /** Called whenever output arrives, while a result waits for the output written before it. */
  private onOutput: (() => void) | undefined;
  /** The handler is loaded: the environment takes invocations. */
  private initialized = false;
  /** Killed, stopped or given up on purpose: its exit is no news. */
  private retired = false;

  /**
   * @param onIdleExit called when the process exits while no invocation runs in it (killed from
   * outside, or out of memory), with how it ended
   */
  constructor(fn: LocalFunction, env: Record<string, string>, log: (line: string) => void, onIdleExit: (description: string) => void) {
    this.child = fork(WORKER_FILE, [fn.codeFile, fn.handlerExport], {
      env,
      execArgv: [],
      cwd: path.dirname(fn.codeFile),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      // Its own process group: the terminal's Ctrl-C reaches the service, which stops its workers.
      detached: process.platform !== 'win32',
    });
    killOnExit(this.child);
    // A failed send is reported to its callback; this keeps an 'error' event from crashing the service.
    this.child.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    for (const [name, stream] of [['stdout', this.child.stdout!], ['stderr', this.child.stderr!]] as const) {
      createInterface({ input: stream }).on('line', (line) => {
        log(`[${fn.name}] ${line}`);
        if (this.captured) {
          // Only the tail is ever returned (LogType: Tail).
          this.captured.push(line);
          if (this.captured.length > LOG_TAIL_LINES) {
            this.captured.splice(0, this.captured.length - LOG_TAIL_LINES);
          }
        }
      });
      // After readline's listener: the lines of a chunk are logged by the time it is counted.
      stream.on('data', (chunk: Buffer) => {
        this.received[name] += chunk.length;
        this.onOutput?.();
      });
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject({ errorType: 'Sandbox.Timedout', errorMessage: `Error: Init phase did not complete within ${INIT_TIMEOUT_MS / 1000} seconds` });
      }, INIT_TIMEOUT_MS);
      this.child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject({ errorType: 'Runtime.ExitError', errorMessage: `Error: Runtime exited with error: ${signal ? `signal: ${signal}` : `exit status ${code}`}` });
      });
      this.child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          this.initialized = true;
          resolve();
        } else if (message.type === 'init-error') {
          clearTimeout(timer);
          reject(message.error);
        } else {
          this.onMessage?.(message);
        }
      });
    });
    // A rejected `ready` is handled by whoever awaits it; this keeps Node from reporting it before that.
    this.ready.catch(() => undefined);
    this.child.once('exit', (code, signal) => {
      // Decided once the channel is closed: every message the worker sent before it died (its
      // `started`) has been read by then.
      const decide = () => {
        if (this.onExit) {
          this.onExit(signal ? `signal: ${signal}` : `exit status ${code}`);
        } else if (this.initialized && !this.retired) {
          onIdleExit(describeExit(code, signal));
        }
      };
      if (this.child.connected) this.child.once('disconnect', decide);
      else decide();
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  /** Runs one invocation; resolves with its outcome, or with a timeout or exit error. */
  invoke(request: InvokeRequest, timeoutSeconds: number): Promise<Outcome & { keep: boolean; undelivered?: boolean }> {
    this.captured = [];
    const deadline = Date.now() + timeoutSeconds * 1000;
    return new Promise((resolve) => {
      const finish = (outcome: Omit<Outcome, 'log'>, keep: boolean, undelivered = false) => {
        clearTimeout(timer);
        this.retired ||= !keep;
        this.onMessage = undefined;
        this.onExit = undefined;
        const lines = this.captured ?? [];
        this.captured = undefined;
        resolve({ ...outcome, log: lines.join('\n'), keep, undelivered });
      };
      const timer = setTimeout(() => {
        this.kill();
        // The shape Lambda returns for an invocation that reached its timeout (Sandbox.Timedout):
        // https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts
        finish({ error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${request.requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds` } }, false);
      }, timeoutSeconds * 1000);
      let started = false;
      this.onMessage = (message) => {
        if (message.type === 'started' && message.requestId === request.requestId) {
          started = true;
        } else if (message.type === 'result' && message.requestId === request.requestId) {
          // The result can overtake the invocation's output, which travels through other pipes: the
          // worker says how much it wrote, and the outcome waits (briefly) until that much is read.
          const settle = () => finish(message.error ? { error: message.error } : { body: message.body }, message.fatal !== true);
          const written = message.written;
          const caughtUp = () => !written || (this.received.stdout >= written.stdout && this.received.stderr >= written.stderr);
          if (caughtUp()) {
            settle();
            return;
          }
          const giveUp = setTimeout(() => {
            this.onOutput = undefined;
            settle();
          }, OUTPUT_WAIT_MS);
          this.onOutput = () => {
            if (caughtUp()) {
              clearTimeout(giveUp);
              this.onOutput = undefined;
              settle();
            }
          };
        }
      };
      // Died before it acknowledged the event: the handler never ran, and another environment may run it.
      this.onExit = (description) => finish({ error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${request.requestId} Error: Runtime exited with error: ${description}` } }, false, !started);
      if (!this.alive) {
        // It died between its last invocation and this one, before Node reported its exit.
        finish({ error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${request.requestId} Error: Runtime exited before the invocation` } }, false, true);
        return;
      }
      this.child.send({ type: 'invoke', ...request, deadline }, (error) => {
        if (error) {
          // The event never reached the handler (the process is gone): the invocation did not run.
          this.kill();
          finish({ error: { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${request.requestId} Error: Runtime exited with error: ${error.message}` } }, false, true);
        }
      });
    });
  }

  kill(): void {
    this.retired = true;
    if (this.alive) {
      this.child.kill('SIGKILL');
    }
  }

  async stop(): Promise<void> {
    this.retired = true;
    if (!this.alive) {
      return;
    }
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The execution environments of one function. */
class FunctionPool {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly waiting: Array<{ resolve: (environment: ExecutionEnvironment) => void; reject: (error: Error) => void }> = [];
  private stopped = false;

  constructor(
    readonly fn: LocalFunction,
    private readonly env: Record<string, string>,
    private readonly maxConcurrency: number,
    private readonly log: (line: string) => void,
  ) {}

  async invoke(request: InvokeRequest): Promise<Outcome> {
    // An environment that died while idle is replaced, and the event handed to the new one: the
    // handler never saw it. Two tries, so that a worker that cannot even start fails the invocation.
    for (let attempt = 1; ; attempt++) {
      const environment = await this.acquire();
      try {
        await environment.ready;
      } catch (error) {
        this.discard(environment);
        return { error: error as ErrorDocument, log: '' };
      }
      const outcome = await environment.invoke(request, this.fn.timeoutSeconds);
      if (outcome.keep && environment.alive) {
        this.release(environment);
      } else {
        this.discard(environment);
      }
      if (!outcome.undelivered || attempt >= 2) {
        return outcome;
      }
    }
  }

  private acquire(): Promise<ExecutionEnvironment> {
    if (this.stopped) {
      return Promise.reject(new Error(`The local Lambda service is stopping; ${this.fn.name} is not invoked.`));
    }
    let idle: ExecutionEnvironment | undefined;
    while ((idle = this.idle.pop()) && !idle.alive) {
      this.discard(idle);
    }
    if (idle) {
      return Promise.resolve(idle);
    }
    if (this.all.size < this.maxConcurrency) {
      return Promise.resolve(this.spawn());
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private spawn(): ExecutionEnvironment {
    const logStream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const env = { ...this.env, AWS_LAMBDA_LOG_STREAM_NAME: logStream };
    const environment: ExecutionEnvironment = new ExecutionEnvironment(this.fn, env, this.log, (how) => {
      // Dropped now, so that no invocation is handed to it.
      this.log(`[${this.fn.name}] execution environment (pid ${environment.child.pid}) exited while idle: ${how}; the next invocation starts a new one`);
      const index = this.idle.indexOf(environment);
      if (index >= 0) this.idle.splice(index, 1);
      if (this.all.has(environment)) this.discard(environment);
    });
    this.all.add(environment);
    return environment;
  }

  private release(environment: ExecutionEnvironment): void {
    const next = this.waiting.shift();
    if (next) {
      next.resolve(environment);
    } else {
      this.idle.push(environment);
    }
  }

  private discard(environment: ExecutionEnvironment): void {
    environment.kill();
    if (!this.all.delete(environment)) {
      return;
    }
    const next = this.waiting.shift();
    if (next && !this.stopped) {
      next.resolve(this.spawn());
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Invocations still waiting for an execution environment fail now instead of hanging.
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(new Error(`The local Lambda service is stopping; ${this.fn.name} is not invoked.`));
    }
    await Promise.all([...this.all].map((environment) => environment.stop()));
    this.all.clear();
    this.idle.length = 0;
  }
}

/**
 * The variables the local Lambda service sets in every function over any other (below): what the
 * Lambda runtime sets and reserves (a function cannot set them in AWS either) and what it needs to run
 * the handler here. https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export const RESERVED_FUNCTION_VARIABLES: readonly string[] = [
  '_HANDLER', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'LAMBDA_TASK_ROOT', 'TZ', 'LANG', 'PATH', 'NODE_PATH',
];

/**
 * The environment of a function's execution environments: the template's variables, then the
 * credentials and endpoints, then what the Lambda runtime sets ({@link RESERVED_FUNCTION_VARIABLES}).
 */
function functionEnvironment(fn: LocalFunction, shared: Readonly<Record<string, string>>, nodePath: string): Record<string, string> {
  const logGroup = `/aws/lambda/${fn.name}`;
  return {
    ...fn.environment,
    ...shared,
    _HANDLER: fn.handler,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: logGroup,
    LAMBDA_TASK_ROOT: path.dirname(fn.codeFile),
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    // The Node.js runtimes provide the AWS SDK for JavaScript v3 on NODE_PATH; locally it is the
    // project's own @aws-sdk packages.
    NODE_PATH: nodePath,
  };
}

/** The credentials and endpoints handed to every function, from the options or the parent. */
function sharedEnvironment(options: LambdaServiceOptions, endpoint: string): Record<string, string> {
  const shared: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && (name.startsWith('AWS_ENDPOINT_URL') || ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].includes(name))) {
      shared[name] = value;
    }
  }
  Object.assign(shared, typeof options.environment === 'function' ? options.environment(endpoint) : options.environment ?? {});
  if (!shared.AWS_ACCESS_KEY_ID || !shared.AWS_SECRET_ACCESS_KEY) {
    throw new Error('startLambdaService: no credentials to hand the functions (Lambda gives every function its role\'s credentials). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values work against local endpoints) or pass them in the `environment` option.');
  }
  return shared;
}

/** Parses FunctionName (+ Qualifier) in the three forms Invoke accepts. */
function parseFunctionName(raw: string, qualifierParameter: string | null): FunctionAddress | undefined {
  const full = /^arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([a-zA-Z0-9-_.]+)(?::([a-zA-Z0-9-_$.]+))?$/.exec(raw);
  const partial = /^(\d{12}):function:([a-zA-Z0-9-_.]+)(?::([a-zA-Z0-9-_$.]+))?$/.exec(raw);
  const plain = /^([a-zA-Z0-9-_.]+)(?::([a-zA-Z0-9-_$.]+))?$/.exec(raw);
  let parsed: FunctionAddress | undefined;
  if (full) {
    parsed = { region: full[2], account: full[3], name: full[4], qualifier: full[5] };
  } else if (partial) {
    parsed = { account: partial[1], name: partial[2], qualifier: partial[3] };
  } else if (plain) {
    parsed = { name: plain[1], qualifier: plain[2] };
  }
  if (parsed && qualifierParameter) {
    parsed = { ...parsed, qualifier: qualifierParameter };
  }
  return parsed;
}

function sendError(response: ServerResponse, status: number, type: string, message: string, requestId: string): void {
  const body = JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', Message: message, message });
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-ErrorType': type,
    'x-amzn-RequestId': requestId,
  });
  response.end(body);
}

/**
 * Reads a request body to its end, keeping at most `keep` bytes and counting all: a body of any size
 * gets its answer (413), which an SDK client reads only once it has sent the whole body.
 */
async function readBody(request: IncomingMessage, keep: number): Promise<{ body: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size <= keep) {
      chunks.push(chunk as Buffer);
    }
  }
  return { body: Buffer.concat(chunks), size };
}

/**
 * The node_modules folder whose AWS SDK v3 packages the functions get, as the Node.js runtimes give
 * them theirs: the project's own (the first folder on the module search path that has `@aws-sdk`).
 * A function that needs an SDK client the project has not installed fails with
 * Runtime.ImportModuleError, naming the package.
 */
function sdkNodePath(): string {
  const searched = [path.join(process.cwd(), 'node_modules'), ...(require.resolve.paths('@aws-sdk/client-dynamodb') ?? [])];
  return searched.find((directory) => existsSync(path.join(directory, '@aws-sdk'))) ?? searched[0];
}

/**
 * Starts the local Lambda service on 127.0.0.1. Execution environments start on first use.
 */
export async function startLambdaService(options: LambdaServiceOptions): Promise<LambdaService> {
  const maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new Error(`startLambdaService: maxConcurrency must be a whole number of at least 1, got ${maxConcurrency}.`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const names = new Map<string, LocalFunction>();
  for (const fn of options.functions) {
    const other = names.get(fn.name);
    if (other) {
      throw new Error(`startLambdaService: two functions are named '${fn.name}' (${other.logicalId} and ${fn.logicalId}); function names must be unique.`);
    }
    names.set(fn.name, fn);
  }
  // Filled once the server listens: the functions' environment names its endpoint.
  const pools = new Map<string, FunctionPool>();
  const defaultAccount = options.functions[0]?.arn.split(':')[4] ?? '000000000000';

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const match = INVOKE_PATH.exec(url.pathname);
    if (request.method !== 'POST' || !match) {
      request.resume();
      sendError(response, 404, 'UnknownOperationException', `The local Lambda service implements only Invoke (POST /2015-03-31/functions/{FunctionName}/invocations), not ${request.method} ${url.pathname}.`, requestId);
      return;
    }

    let rawName: string;
    try {
      rawName = decodeURIComponent(match[1]);
    } catch {
      // A guess: AWS documents no answer for a path that is not valid percent-encoding; it is the
      // client's error (4xx), and FunctionName's pattern is what it fails.
      request.resume();
      sendError(response, 400, 'ValidationException', `1 validation error detected: Value '${match[1]}' at 'functionName' failed to satisfy constraint: Member must be valid percent-encoded UTF-8`, requestId);
      return;
    }
    const parsed = parseFunctionName(rawName, url.searchParams.get('Qualifier'));
    const pool = parsed ? pools.get(parsed.name) : undefined;
    const fn = pool?.fn;
    const [, partition, , region, account] = fn?.arn.split(':') ?? [];
    const found = parsed && fn
      && (parsed.region === undefined || parsed.region === region)
      && (parsed.account === undefined || parsed.account === account)
      && (parsed.qualifier === undefined || parsed.qualifier === '$LATEST');
    if (!found || !pool || !fn) {
      request.resume();
      const arn = parsed
        ? `arn:${partition ?? 'aws'}:lambda:${parsed.region ?? region ?? options.functions[0]?.region ?? 'us-east-1'}:${parsed.account ?? defaultAccount}:function:${parsed.name}${parsed.qualifier ? `:${parsed.qualifier}` : ''}`
        : rawName;
      sendError(response, 404, 'ResourceNotFoundException', `Function not found: ${arn}`, requestId);
      return;
    }

    const invocationType = (request.headers['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      request.resume();
      sendError(response, 400, 'ValidationException', `1 validation error detected: Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`, requestId);
      return;
    }
    const limit = invocationType === 'Event' ? ASYNC_PAYLOAD_LIMIT_BYTES : SYNC_PAYLOAD_LIMIT_BYTES;
    const read = await readBody(request, limit);
    if (read.size > limit) {
      // Lambda answers 413 RequestEntityTooLargeException (the API reference names it
      // RequestTooLargeException; the wire name is what SDKs report, for example
      // "Request must be smaller than 6291456 bytes for the InvokeFunction operation").
      const message = invocationType === 'Event'
        ? `${read.size} byte payload is too large for the Event invocation type (limit ${ASYNC_PAYLOAD_LIMIT_BYTES} bytes)`
        : `Request must be smaller than ${SYNC_PAYLOAD_LIMIT_BYTES} bytes for the InvokeFunction operation`;
      sendError(response, 413, 'RequestEntityTooLargeException', message, requestId);
      return;
    }
    const payload = read.body.length === 0 ? '{}' : read.body.toString('utf8');
    try {
      JSON.parse(payload);
    } catch (error) {
      sendError(response, 400, 'InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`, requestId);
      return;
    }
    let clientContext: unknown;
    const clientContextHeader = request.headers['x-amz-client-context'] as string | undefined;
    if (clientContextHeader) {
      try {
        clientContext = JSON.parse(Buffer.from(clientContextHeader, 'base64').toString('utf8'));
      } catch {
        sendError(response, 400, 'InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.', requestId);
        return;
      }
    }

    if (invocationType === 'DryRun') {
      response.writeHead(204, { 'x-amzn-RequestId': requestId });
      response.end();
      return;
    }
    const invokedFunctionArn = rawName.startsWith('arn:') ? rawName : fn.arn + (parsed!.qualifier ? `:${parsed!.qualifier}` : '');
    const invocation = pool.invoke({ requestId, payload, invokedFunctionArn, clientContext });
    if (invocationType === 'Event') {
      invocation.then(
        (outcome) => {
          if (outcome.error) {
            log(`[${fn.name}] asynchronous invocation ${requestId} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
          }
        },
        (error: Error) => log(`[${fn.name}] asynchronous invocation ${requestId} failed: ${error.message}`),
      );
      response.writeHead(202, { 'x-amzn-RequestId': requestId });
      response.end();
      return;
    }

    let outcome: Outcome;
    try {
      outcome = await invocation;
    } catch (error) {
      sendError(response, 503, 'ServiceException', (error as Error).message, requestId);
      return;
    }
    let error = outcome.error;
    let body = error ? JSON.stringify(error) : outcome.body ?? 'null';
    if (!error && Buffer.byteLength(body) > RESPONSE_LIMIT_BYTES) {
      error = { errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size (${Buffer.byteLength(body)} bytes) exceeded maximum allowed payload size (${RESPONSE_LIMIT_BYTES} bytes).` };
      body = JSON.stringify(error);
    }
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'X-Amz-Executed-Version': '$LATEST',
      'x-amzn-RequestId': requestId,
    };
    if (error) {
      headers['X-Amz-Function-Error'] = 'Unhandled';
    }
    if (request.headers['x-amz-log-type'] === 'Tail') {
      const tail = Buffer.from(outcome.log, 'utf8');
      headers['X-Amz-Log-Result'] = tail.subarray(Math.max(0, tail.length - LOG_TAIL_BYTES)).toString('base64');
    }
    response.writeHead(200, headers);
    response.end(body);
  };

  const service = await serveOnLoopback(handle, {
    port: options.port,
    callers: 'aws-sdk',
    name: '[lambda]',
    log,
    onError: (error, _request, response) => sendError(response, 500, 'ServiceException', error.message, randomUUID()),
    cleanup: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.stop()));
    },
  });
  try {
    const shared = sharedEnvironment(options, service.endpoint);
    const nodePath = sdkNodePath();
    for (const fn of options.functions) {
      pools.set(fn.name, new FunctionPool(fn, functionEnvironment(fn, shared, nodePath), maxConcurrency, log));
      const localMajor = process.versions.node.split('.')[0];
      const runtimeMajor = /^nodejs(\d+)/.exec(fn.runtime)?.[1];
      if (runtimeMajor && runtimeMajor !== localMajor) {
        log(`[${fn.name}] runtime ${fn.runtime} runs here on Node.js ${process.versions.node}`);
      }
    }
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { ...service, functionNames: [...pools.keys()] };
}
