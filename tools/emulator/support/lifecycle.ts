/**
 * The life of a command that runs local services until it is told to stop (`local`): what happens on
 * Ctrl-C, on `kill`, when a service dies, and when the process that started it goes away.
 *
 * - A signal (SIGINT, SIGTERM, SIGHUP) during start-up aborts the start (what started is stopped) and
 *   the command exits with 128 + the signal's number (130 for Ctrl-C), as a shell reports a process
 *   ended by that signal.
 * - A signal once the app runs stops everything it started; the command exits 0 (the normal end).
 * - A second signal while stopping kills every child process at once (SIGKILL) and exits 130: process
 *   managers, IDE stop buttons and `concurrently` send a second signal when the first is slow.
 * - Stopping that takes longer than `stopLimitMs` kills what is left and exits 1.
 * - A service that dies (`failed`) is printed as `error: ...`; the rest is stopped and the command
 *   exits 1.
 * - When the parent process goes away (`npx` killed: it kills its shell, not this process), this
 *   process is re-parented: that counts as SIGHUP. Checked twice a second.
 *
 * Whatever ends this process, its children notice on their own (support/processes.ts).
 */
import { constants } from 'node:os';
import { killAllChildren } from './processes';

/** The signals that stop the command. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How often the parent is checked. */
const PARENT_CHECK_MS = 500;
/** Exit code after a second signal: the process was interrupted. */
export const INTERRUPTED_EXIT_CODE = 130;

/** What {@link runUntilStopped} runs. */
export interface StoppableRun<T> {
  /** Starts the app; aborting `signal` asks it to stop starting and fail. */
  start(signal: AbortSignal): Promise<T>;
  /** Called once the app runs (prints READY). */
  ready(app: T): void;
  /** Resolves with a failure that ends the run (a service died); never settles while all is well. */
  failed(app: T): Promise<Error>;
  /** Stops the app. */
  stop(app: T): Promise<void>;
}

/** Options of {@link runUntilStopped}. */
export interface RunOptions {
  /** Where progress goes. @default stderr */
  readonly write?: (text: string) => void;
  /** After the first stop request, how long stopping may take. @default 9000 */
  readonly stopLimitMs?: number;
  /** Ends the process (after a second signal, or when stopping takes too long). @default process.exit */
  readonly exit?: (code: number) => never;
}

/**
 * Runs an app until a signal, its parent's end or a failure stops it; resolves with the exit code
 * (see the module's comment). Installs its signal handlers for the duration of the call.
 */
export async function runUntilStopped<T>(run: StoppableRun<T>, options: RunOptions = {}): Promise<number> {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const stopLimitMs = options.stopLimitMs ?? 9_000;
  const abort = new AbortController();
  let requested: NodeJS.Signals | undefined;
  /** Stopping has begun (on request or after a failure): another signal kills the children at once. */
  let stopping = false;
  let onRequest!: () => void;
  const stopRequested = new Promise<void>((resolve) => {
    onRequest = resolve;
  });

  const request = (signal: NodeJS.Signals, why: string) => {
    if (stopping) {
      const killed = killAllChildren();
      write(`${why} again while stopping: killed ${killed.length} child process${killed.length === 1 ? '' : 'es'}${killed.length ? ` (${killed.join(', ')})` : ''}\n`);
      exit(INTERRUPTED_EXIT_CODE);
      return;
    }
    requested = signal;
    stopping = true;
    write(`${why}: stopping...\n`);
    abort.abort(new Error(`stopped by ${signal}`));
    onRequest();
  };
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = () => request(signal, signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const parent = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parent) request('SIGHUP', `the parent process (pid ${parent}) has ended`);
  }, PARENT_CHECK_MS);
  parentWatch.unref();

  const limit = () => setTimeout(() => {
    const killed = killAllChildren();
    write(`not stopped after ${stopLimitMs / 1000} s: killed ${killed.length} child process${killed.length === 1 ? '' : 'es'}\n`);
    exit(1);
  }, stopLimitMs).unref();

  try {
    let app: T;
    try {
      app = await run.start(abort.signal);
    } catch (error) {
      if (requested !== undefined) {
        return 128 + constants.signals[requested];
      }
      throw error;
    }
    if (requested !== undefined) {
      // The start finished just as the signal came.
      limit();
      await run.stop(app);
      return 128 + constants.signals[requested];
    }
    run.ready(app);
    const failure = await Promise.race([stopRequested.then(() => undefined), run.failed(app)]);
    if (failure !== undefined) {
      stopping = true;
      write(`error: ${failure.message}\n`);
    }
    limit();
    await run.stop(app);
    return failure === undefined ? 0 : 1;
  } finally {
    clearInterval(parentWatch);
    for (const [signal, handler] of handlers) {
      // While the process is still exiting, a late signal still kills the children at once.
      if (!stopping) process.off(signal, handler);
    }
  }
}
