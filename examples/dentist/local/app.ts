/**
 * The dentist example on 127.0.0.1: synthesizes examples/dentist into a temporary directory and runs
 * it with the generic local environment (tools/emulator/app.ts). Shared by `dentist:local`
 * (main.ts), `dentist:demo` (demo.ts), the benchmark and the end-to-end test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type LocalApp, type LocalAppOptions, startLocalApp } from '../../../tools/emulator/app';

/** The repository root (the replay command runs from there). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLE_DIR = path.resolve(__dirname, '..');

/** The `READY` line's JSON (its keys are fixed by DESIGN.md, "Local run of the dentist example"). */
export interface ReadyInfo {
  readonly api: string;
  readonly dynamodb: string;
  readonly sqs: string;
  readonly lambda: string;
  readonly appointmentsTable: string;
  readonly contactsTable: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly sourceDeadLetterQueueUrl: string;
  /** argv of the command that replays the pipe's source dead-letter queue, run from the repository root. */
  readonly replay: readonly string[];
  /** The environment that command needs. */
  readonly replayEnv: Readonly<Record<string, string>>;
}

/**
 * Synthesizes the example with the CDK CLI into `outdir`, its output going to `log`.
 * @returns outdir
 */
export async function synthesizeDentist(outdir: string, log: (line: string) => void): Promise<string> {
  const cdk = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');
  const child = spawn(cdk, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', outdir], {
    cwd: EXAMPLE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) {
    throw new Error(`cdk synth of examples/dentist failed (exit ${code}):\n${output.trim()}`);
  }
  output.split('\n').filter((line) => line.trim() && !/^\s*(\.\.\.|⚡|$)/.test(line)).forEach((line) => log(`[synth] ${line}`));
  return outdir;
}

/** The running dentist app and its READY information. */
export interface DentistApp {
  readonly app: LocalApp;
  readonly ready: ReadyInfo;
  /** Stops everything and removes the synthesized assembly. */
  stop(): Promise<void>;
}

/** Options for {@link startDentist}. */
export interface StartDentistOptions extends Omit<LocalAppOptions, 'assemblyDir'> {
  /** Run an assembly synthesized before instead of synthesizing. */
  readonly assemblyDir?: string;
}

/**
 * Synthesizes the example (unless given an assembly) and starts it locally.
 */
export async function startDentist(options: StartDentistOptions = {}): Promise<DentistApp> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const outdir = options.assemblyDir ? undefined : mkdtempSync(path.join(tmpdir(), 'dentist-local-'));
  const removeOutdir = () => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  };
  let app: LocalApp;
  try {
    app = await startLocalApp({ ...options, log, assemblyDir: options.assemblyDir ?? synthesizeDentist(outdir!, log) });
  } catch (error) {
    removeOutdir();
    throw error;
  }
  const [pipe] = app.pipes;
  if (!pipe?.queue || !pipe.deadLetterQueue || !pipe.sourceDeadLetterQueue || !app.endpoints.api) {
    await app.stop();
    removeOutdir();
    throw new Error('The dentist app should have a pipe with a target queue, its dead-letter queue, a source dead-letter queue and a REST API');
  }
  const ready: ReadyInfo = {
    api: app.endpoints.api,
    dynamodb: app.endpoints.dynamodb,
    sqs: app.endpoints.sqs,
    lambda: app.endpoints.lambda,
    appointmentsTable: app.table('DentistStateful/Appointments').tableName,
    contactsTable: app.table('DentistStateful/Contacts').tableName,
    queueUrl: pipe.queue.queueUrl,
    deadLetterQueueUrl: pipe.deadLetterQueue.queueUrl,
    sourceDeadLetterQueueUrl: pipe.sourceDeadLetterQueue.queueUrl,
    replay: ['node_modules/.bin/ts-node', '--transpile-only', '--project', 'tsconfig.dev.json', 'tools/replay/cli.ts', '--pipe-name', pipe.definition.name],
    replayEnv: { ...app.environment },
  };
  return {
    app,
    ready,
    stop: async () => {
      try {
        await app.stop();
      } finally {
        removeOutdir();
      }
    },
  };
}
