/**
 * The fauxqs SQS emulator, from the consumer's dev dependency `fauxqs`, found at run time; a Node.js
 * child process on loopback (fauxqs is an ES module) stopped with `stop()`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { requireOptional } from '../support/optional-dependencies';
import { collectOutput, STARTUP_TIMEOUT_MS, track } from '../support/processes';
import type { LocalService } from '../support/service';

/** Options for {@link startSqsEmulator}. */
export interface SqsEmulatorOptions {
  /**
   * One set of queues per access key (the credential that signs each request), as DynamoDB Local
   * without -sharedDb keeps one database per access key; so that apps with different keys can share
   * one emulator without seeing each other's queues.
   * @default false (one set of queues for every client)
   */
  readonly perAccessKey?: boolean;
}

/**
 * Starts the fauxqs SQS emulator on 127.0.0.1 in a Node.js child process (fauxqs is an ES module).
 */
export async function startSqsEmulator(options: SqsEmulatorOptions = {}): Promise<LocalService> {
  const packageJson = requireOptional('fauxqs', 'Running a pipeline locally');
  const { exports } = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports: { '.': { import: { default: string } } } };
  const child = spawn(process.execPath, [path.join(__dirname, 'fauxqs-server.mjs')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FAUXQS_MODULE: path.join(path.dirname(packageJson), exports['.'].import.default), FAUXQS_PER_ACCESS_KEY: options.perAccessKey ? '1' : '0' },
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
