/**
 * Child processes of the local run: each one is tracked so that an exiting parent takes none of them
 * along alive, stopped with SIGTERM then SIGKILL, and waited for until it listens.
 */
import { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer as createTcpServer } from 'node:net';

// DynamoDB Local takes 3-5 s on an idle 2-core machine, and over 30 s on a loaded one (seen in CI-sized runs).
export const STARTUP_TIMEOUT_MS = 90_000;
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

/** Resolves once `port` accepts connections on 127.0.0.1; fails when `child` exits first or the time runs out. */
export async function waitForPort(port: number, child: ChildProcess, what: string, output: () => string): Promise<void> {
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

/** Tracks `child` (see {@link killOnExit}) and returns its `stop()`: SIGTERM, then SIGKILL after 5 s; resolves on exit. */
export function track(child: ChildProcess): () => Promise<void> {
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
