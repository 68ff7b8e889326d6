/**
 * Child processes of the local run. Each one is supervised: an exit nobody asked for is reported by
 * name, pid and cause (`DynamoDB Local (pid 123) exited unexpectedly: SIGKILL`); an exiting parent
 * takes none of them along alive; `stop()` sends SIGTERM, then SIGKILL, and resolves on exit.
 *
 * Exit hooks do not run when a signal kills this process (SIGKILL cannot be caught at all), so every
 * child also watches its parent itself: the SQS emulator and DynamoDB Local's launcher exit when their
 * stdin (a pipe from this process) closes, the Lambda workers when their IPC channel disconnects, and
 * on Linux the JVM is started under `setpriv --pdeathsig KILL` as well (see ../backends).
 */
import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createTcpServer } from 'node:net';

// DynamoDB Local takes 3-5 s on an idle 2-core machine, and over 30 s on a loaded one (seen in CI-sized runs).
export const STARTUP_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 5_000;

/** Every child process the local tools started and that is still running. */
const running = new Set<ChildProcess>();
process.once('exit', () => killAllChildren());

/** Kills `child` when this process exits, if it is still running then. */
export function killOnExit(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Sends SIGKILL to every child process still running, at once (the second Ctrl-C, or this process
 * exiting). Returns their pids.
 */
export function killAllChildren(): number[] {
  const killed: number[] = [];
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      if (child.pid !== undefined) killed.push(child.pid);
    }
  }
  return killed;
}

/** How a process ended, the way a person says it: `SIGKILL`, or `exit code 1`. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ?? `exit code ${code}`;
}

/** A port that was free on 127.0.0.1 a moment ago (another process may take it before it is used). */
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

/** A child process watched for an exit nobody asked for. */
export interface SupervisedChild {
  /**
   * Resolves with an error naming the process, its pid and how it ended, when it exits before
   * `stop()` was called; never settles otherwise.
   */
  readonly died: Promise<Error>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Supervises `child`, a service called `name` in messages (for example `DynamoDB Local`): kills it
 * when this process exits and reports an unexpected exit through `died`.
 */
export function supervise(child: ChildProcess, name: string): SupervisedChild {
  killOnExit(child);
  let stopping: Promise<void> | undefined;
  const died = new Promise<Error>((resolve) => {
    child.once('exit', (code, signal) => {
      if (stopping === undefined) {
        resolve(new Error(`${name} (pid ${child.pid}) exited unexpectedly: ${describeExit(code, signal)}`));
      }
    });
  });
  const stop = () => {
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
  return { stop, died };
}

/** Keeps the last lines a child printed, for error messages. */
export function collectOutput(child: ChildProcess): () => string {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - 20));
    });
  }
  return () => lines.join('\n');
}

/**
 * Resolves with the first line `child` prints on stdout that `parse` accepts (for example
 * `PORT 8123`); fails, naming `what` and how it ended, when the child exits first or the time runs
 * out, and with `abort`'s reason when it is aborted.
 */
export function waitForLine<T>(
  child: ChildProcess,
  what: string,
  parse: (line: string) => T | undefined,
  output: () => string,
  abort?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const parsed = parse(buffered.slice(0, newline).trim());
        buffered = buffered.slice(newline + 1);
        if (parsed !== undefined) {
          done();
          resolve(parsed);
          return;
        }
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      done();
      // The last lines often arrive after 'exit': give them a moment to be collected.
      setImmediate(() => reject(new Error(`${what} exited during startup (${describeExit(code, signal)}):\n${output()}`)));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what} did not start within ${STARTUP_TIMEOUT_MS / 1000} s:\n${output()}`));
    }, STARTUP_TIMEOUT_MS);
    const onAbort = () => {
      done();
      reject(abort!.reason);
    };
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      abort?.removeEventListener('abort', onAbort);
    };
    if (abort?.aborted) {
      onAbort();
      return;
    }
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    abort?.addEventListener('abort', onAbort);
  });
}
