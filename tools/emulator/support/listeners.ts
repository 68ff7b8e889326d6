/**
 * The TCP sockets a process listens on, read from Linux's /proc (proc(5): /proc/net/tcp, /proc/net/tcp6
 * and the socket inodes of /proc/<pid>/fd). Used to make sure that a port answering is the one our
 * child bound, and by the tests that check every listener is on loopback. Elsewhere than Linux it
 * answers `undefined` (unknown).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One listening socket. */
export interface Listener {
  /** The address as `ss` prints it: `127.0.0.1`, `0.0.0.0`, `::`, `::1`, `::ffff:127.0.0.1`. */
  readonly address: string;
  readonly port: number;
}

const TCP_LISTEN = '0A';

function ipv4(hex: string): string {
  // /proc prints the address as a 32-bit number in the host's (little-endian) byte order.
  return [6, 4, 2, 0].map((index) => parseInt(hex.slice(index, index + 2), 16)).join('.');
}

function ipv6(hex: string): string {
  // Four 32-bit words, each in host byte order.
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    bytes.push(...[6, 4, 2, 0].map((index) => parseInt(hex.slice(word * 8 + index, word * 8 + index + 2), 16)));
  }
  const groups = Array.from({ length: 8 }, (_, index) => bytes[index * 2] * 256 + bytes[index * 2 + 1]);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  // The longest run of zero groups (two or more) is written `::`.
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > best.length) best = { start, length };
  }
  const text = groups.map((group) => group.toString(16));
  if (best.start < 0) return text.join(':');
  return `${text.slice(0, best.start).join(':')}::${text.slice(best.start + best.length).join(':')}`;
}

function listeningByInode(): Map<string, Listener> {
  const byInode = new Map<string, Listener>();
  for (const [file, parse] of [['/proc/net/tcp', ipv4], ['/proc/net/tcp6', ipv6]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
      const [address, port] = fields[1].split(':');
      byInode.set(fields[9], { address: parse(address), port: parseInt(port, 16) });
    }
  }
  return byInode;
}

/** The sockets `pid` listens on; `undefined` where /proc cannot tell (not Linux, or the process is gone). */
export function listenersOf(pid: number): Listener[] | undefined {
  if (process.platform !== 'linux') return undefined;
  let descriptors: string[];
  try {
    descriptors = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  const byInode = listeningByInode();
  const listeners: Listener[] = [];
  for (const descriptor of descriptors) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${descriptor}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const listener = inode ? byInode.get(inode) : undefined;
    if (listener) listeners.push(listener);
  }
  return listeners;
}
