/**
 * What Linux's /proc says about processes (proc(5)), for the tests that check what the local run
 * starts and leaves behind: children, environment, command line, whether a process is still alive.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The parent pid and state of a process, from /proc/<pid>/stat; undefined when it is gone. */
function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: read after its last ')'.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(ppid), state };
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live process (a zombie, dead but not yet reaped, does not count). */
export function isAlive(pid: number): boolean {
  const info = stat(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

/** Every live process whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)
    .filter((candidate) => stat(candidate)?.ppid === pid && isAlive(candidate));
}

/** Every live descendant of `pid`, children first. */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  for (let level = childrenOf(pid); level.length > 0; level = level.flatMap(childrenOf)) {
    found.push(...level);
  }
  return found;
}

/** The command line of `pid`. */
export function commandLineOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** The environment `pid` was started with. */
export function environmentOf(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)
    .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/** Resolves once none of `pids` is alive, or rejects after `timeoutMs` naming the survivors. */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`still running after ${timeoutMs} ms: ${alive.map((pid) => `${pid} (${commandLineOf(pid).join(' ').slice(0, 120)})`).join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
