/**
 * The fauxqs SQS emulator, from the consumer's dev dependency `fauxqs`, found at run time; a Node.js
 * child process on loopback (fauxqs is an ES module) stopped with `stop()`, supervised while it runs.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { serviceEnvironment } from '../support/aws-environment';
import { requireOptional } from '../support/optional-dependencies';
import { collectOutput, supervise, waitForLine } from '../support/processes';
import type { LocalService } from '../support/service';

/** How the SQS emulator is named in messages. */
export const SQS_EMULATOR = 'The SQS emulator (fauxqs)';

/** Options for {@link startSqsEmulator}. */
export interface SqsEmulatorOptions {
  /**
   * One set of queues per access key (the credential that signs each request), as DynamoDB Local
   * without -sharedDb keeps one database per access key; so that apps with different keys can share
   * one emulator without seeing each other's queues.
   * @default false (one set of queues for every client)
   */
  readonly perAccessKey?: boolean;
  /** Aborting it stops the start. */
  readonly signal?: AbortSignal;
}

/**
 * Starts the fauxqs SQS emulator on 127.0.0.1 in a Node.js child process (fauxqs is an ES module).
 * It gets none of this process's `AWS_*` variables, runs in its own process group (the terminal's
 * Ctrl-C reaches only this process, which stops it), and exits when its stdin, a pipe from this
 * process, closes: when this process ends, however it ends. Aborting `signal` stops the start.
 */
export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<LocalService> {
  const packageJson = requireOptional('fauxqs', 'Running a pipeline locally');
  // (Not destructured as `exports`: that name would hide the module's own exports in CommonJS.)
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: { '.': { import: { default: string } } } };
  const child = spawn(process.execPath, [path.join(__dirname, 'fauxqs-server.mjs')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: process.platform !== 'win32',
    env: serviceEnvironment({
      FAUXQS_MODULE: path.join(path.dirname(packageJson), manifest.exports['.'].import.default),
      FAUXQS_PER_ACCESS_KEY: options.perAccessKey ? '1' : '0',
    }),
  });
  const { stop, died } = supervise(child, SQS_EMULATOR);
  const output = collectOutput(child);
  try {
    const port = await waitForLine(child, SQS_EMULATOR, (line) => {
      const parsed = /^\{"port":(\d+)\}$/.exec(line);
      return parsed ? Number(parsed[1]) : undefined;
    }, output, options.signal);
    return { endpoint: `http://127.0.0.1:${port}`, stop, died };
  } catch (error) {
    await stop();
    throw error;
  }
}
