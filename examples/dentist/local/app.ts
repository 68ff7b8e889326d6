/**
 * The dentist example on 127.0.0.1: synthesizes examples/dentist into a temporary directory and runs
 * it with the package's public local entry (`startLocalPipelines` of `cdk-enriched-stream-to-queue/local`),
 * as a consumer's app would. Shared by `dentist:local` (main.ts), `dentist:demo` (demo.ts), the
 * benchmark and the end-to-end test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DescribePipeCommand, type DescribePipeCommandOutput, PipesClient } from '@aws-sdk/client-pipes';
// `cdk-enriched-stream-to-queue/local`, by its path: ts-node does not read tsconfig's `paths`.
import { type LocalPipelines, type LocalPipelinesOptions, startLocalPipelines } from '../../../tools/index';

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
 * Synthesizes the example with the CDK CLI into `outdir`, its output going to `log`; `signal`
 * aborts the synthesis (the CLI is killed and the call rejects).
 * @returns outdir
 */
export async function synthesizeDentist(outdir: string, log: (line: string) => void, signal?: AbortSignal): Promise<string> {
  const cdk = path.join(REPO_ROOT, 'node_modules', '.bin', 'cdk');
  const child = spawn(cdk, ['synth', '--quiet', '--no-notices', '--no-version-reporting', '-o', outdir], {
    cwd: EXAMPLE_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', CDK_DISABLE_VERSION_CHECK: 'true' },
    signal,
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
  readonly app: LocalPipelines;
  readonly ready: ReadyInfo;
  /** The synthesized cloud assembly the app runs. */
  readonly assemblyDir: string;
  /** The reminder pipe as the Pipes API describes it (the local DescribePipe, which the replay tool reads too). */
  describePipe(): Promise<DescribePipeCommandOutput>;
  /**
   * The CreateTable request that makes a table again as the synthesized template defines it, under
   * its local name: for repairing a table deleted on purpose (the local run's `createTableRequest`).
   */
  createTableInput(pathOrLogicalId: string): CreateTableCommandInput;
  /** Stops everything and removes the synthesized assembly. */
  stop(): Promise<void>;
}

/** Options for {@link startDentist}. */
export interface StartDentistOptions extends Omit<LocalPipelinesOptions, 'assemblyDir'> {
  /** Run an assembly synthesized before instead of synthesizing (it is not removed). */
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
  let app: LocalPipelines;
  let assemblyDir: string;
  try {
    assemblyDir = options.assemblyDir ?? await synthesizeDentist(outdir!, log, options.signal);
    app = await startLocalPipelines({ ...options, log, assemblyDir });
  } catch (error) {
    removeOutdir();
    throw error;
  }
  const pipe = app.pipes.length === 1 ? app.pipe() : undefined;
  if (!pipe?.queueUrl || !pipe.deadLetterQueueUrl || !pipe.sourceDeadLetterQueueUrl || !app.endpoints.api) {
    await app.stop();
    removeOutdir();
    throw new Error('The dentist app should have one pipe with a target queue, its dead-letter queue, a source dead-letter queue and a REST API');
  }
  const ready: ReadyInfo = {
    api: app.endpoints.api,
    dynamodb: app.endpoints.dynamodb,
    sqs: app.endpoints.sqs,
    lambda: app.endpoints.lambda,
    appointmentsTable: app.table('DentistStateful/Appointments').tableName,
    contactsTable: app.table('DentistStateful/Contacts').tableName,
    queueUrl: pipe.queueUrl,
    deadLetterQueueUrl: pipe.deadLetterQueueUrl,
    sourceDeadLetterQueueUrl: pipe.sourceDeadLetterQueueUrl,
    replay: ['node_modules/.bin/ts-node', '--transpile-only', '--project', 'tsconfig.dev.json', 'tools/replay/cli.ts', '--pipe-name', pipe.name],
    replayEnv: { ...app.environment },
  };
  return {
    app,
    ready,
    assemblyDir,
    describePipe: async () => {
      const pipes = new PipesClient({ endpoint: app.endpoints.pipes, region: app.region, credentials: localCredentials(app) });
      try {
        return await pipes.send(new DescribePipeCommand({ Name: pipe.name }));
      } finally {
        pipes.destroy();
      }
    },
    createTableInput: (key) => app.table(key).createTableRequest as CreateTableCommandInput,
    stop: async () => {
      try {
        await app.stop();
      } finally {
        removeOutdir();
      }
    },
  };
}

/** The credentials of the local run (its `environment`). */
function localCredentials(app: LocalPipelines): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: app.environment.AWS_ACCESS_KEY_ID, secretAccessKey: app.environment.AWS_SECRET_ACCESS_KEY };
}
