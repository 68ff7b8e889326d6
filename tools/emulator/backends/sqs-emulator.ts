/**
 * The fauxqs SQS emulator, from the consumer's dev dependency `fauxqs`, found at run time; a Node.js
 * child process on loopback (fauxqs is an ES module) stopped with `stop()`, supervised while it runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string; exports: { '.': { import: { default: string } } } };
  fauxqsQueueStore(path.join(path.dirname(packageJson), manifest.exports['.'].import.default), manifest.version);
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

/** The fauxqs release whose internal queue store fauxqs-server.mjs uses (its package exports no store). */
export const FAUXQS_TESTED_VERSION = '1.9.2';

/**
 * The file of fauxqs's queue store, which fauxqs-server.mjs imports: fauxqs exports only `buildApp`,
 * `startFauxqs` and two DNS helpers, and the store is needed to bind it to loopback with plain queue
 * URLs. A release that moved it fails here, naming the version this package is tested with, instead
 * of with a module-not-found error from the child process.
 */
export function fauxqsQueueStore(moduleFile: string, version: string): string {
  const store = path.join(path.dirname(moduleFile), 'sqs', 'sqsStore.js');
  if (!existsSync(store)) {
    throw new Error(`fauxqs ${version} has no sqs/sqsStore.js, the internal queue store the local run uses; it is tested with fauxqs ${FAUXQS_TESTED_VERSION}: npm install --save-dev fauxqs@${FAUXQS_TESTED_VERSION}`);
  }
  return store;
}
