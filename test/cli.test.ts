// The consumer command `cdk-enriched-stream-to-queue`, run as its own process as a consumer runs it:
// `local` on the README's minimal example (an inline function no pipe calls, and a Python one),
// synthesized by the command it is given as --app; one READY line, the export lines of --print-env,
// a clean stop on SIGTERM. And the parsing and messages both commands share.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { exportLines, main } from '../tools/cli';
import { synthMinimalApp, type MinimalApp } from './support/readme-minimal-app';

const root = path.join(__dirname, '..');
const tsNode = path.join(root, 'node_modules', '.bin', 'ts-node');
let app: MinimalApp;
let work: string;

beforeAll(() => {
  app = synthMinimalApp('unrelated');
  work = mkdtempSync(path.join(tmpdir(), 'cli-test-'));
});
afterAll(() => {
  rmSync(app.outdir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** The environment of a child command: this one's, without the SDK's warning switch (the command sets it itself). */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return env;
}

test('local synthesizes with the --app command into a folder of its own, prints READY and --print-env\'s exports, lists what it did not start, and stops on SIGTERM', async () => {
  // Stands in for `npx ts-node bin/app.ts`: writes the app's assembly where CDK_OUTDIR says, as aws-cdk-lib's App does.
  const synth = path.join(work, 'synth.js');
  writeFileSync(synth, [
    "const fs = require('fs');",
    `fs.cpSync(${JSON.stringify(app.outdir)}, process.env.CDK_OUTDIR, { recursive: true });`,
    `fs.writeFileSync(${JSON.stringify(path.join(work, 'outdir.txt'))}, process.env.CDK_OUTDIR);`,
  ].join('\n'));
  const child = spawn(tsNode, ['--transpile-only', '--project', 'tsconfig.dev.json', 'tools/cli.ts', 'local', `--app=node ${synth}`, '--print-env'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const lines = createInterface({ input: child.stdout! });
  const stdout: string[] = [];
  lines.on('line', (line) => stdout.push(line));
  try {
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => { if (line.startsWith('unset ')) resolve(); });
      child.once('exit', () => reject(new Error(`local exited before READY:\n${stderr}`)));
    });
    expect(stdout[0].startsWith('READY ')).toBe(true);
    const ready = JSON.parse(stdout[0].slice('READY '.length));
    expect(Object.keys(ready)).toEqual(['dynamodb', 'sqs', 'lambda', 'apis', 'pipesApi', 'environment', 'tables', 'queues', 'pipes']);
    expect(ready.environment).toMatchObject({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: ready.dynamodb, AWS_ENDPOINT_URL_PIPES: ready.pipesApi });
    expect(ready.pipes).toEqual([expect.objectContaining({
      queueUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/Minimal-RemindersQueue/),
      sourceDeadLetterQueueUrl: expect.stringContaining('SourceDeadLetterQueue'),
    })]);
    expect(stdout.slice(1)).toEqual(exportLines(ready.environment).trimEnd().split('\n'));
    expect(stdout).toContain(`export AWS_ENDPOINT_URL_SQS='${ready.sqs}'`);
    expect(stderr).toMatch(/Functions not started \(no pipe or REST API route calls them\): Report\w+: its Runtime is "python3\.12"/);
    expect(stderr).not.toContain('NodeVersionSupportWarning');
  } finally {
    child.kill('SIGTERM');
  }
  const started = Date.now();
  const [code] = await exited;
  expect(code).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
  // The assembly went to the run's own folder, which is gone with the run.
  const outdir = readFileSync(path.join(work, 'outdir.txt'), 'utf8');
  expect(outdir).toMatch(/cdk-enriched-stream-to-queue-local-[^/]+\/cdk\.out$/);
  expect(existsSync(outdir)).toBe(false);
}, 180_000);

test('exportLines quotes values for the shell and unsets what would override the local credentials', () => {
  expect(exportLines({ AWS_REGION: 'eu-west-1', ODD: "it's" })).toBe("export AWS_REGION='eu-west-1'\nexport ODD='it'\\''s'\nunset AWS_PROFILE AWS_SESSION_TOKEN\n");
});

describe('local\'s options, parsed as replay\'s are', () => {
  let stderr: string[];
  let write: jest.SpyInstance;
  beforeEach(() => {
    stderr = [];
    write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr.push(String(chunk)); return true; });
  });
  afterEach(() => write.mockRestore());

  test.each([
    ['a flag without its value', ['--app'], 2, 'error: --app needs a value\n'],
    ['a flag followed by another flag', ['--app', '--port', '3000'], 2, 'error: --app needs a value\n'],
    ['a port out of range, as --flag=value', ['--port=70000'], 2, 'error: --port must be a port number from 0 to 65535, got 70000\n'],
    ['an unknown option', ['--strcit'], 2, "error: unknown option --strcit for 'local' (options: --app, --port, --print-env, --strict, --trace, --fidelity-results, --help)\n"],
    ['a value for a switch', ['--print-env=yes'], 2, 'error: --print-env takes no value\n'],
  ])('refuses %s with exit 2 and the usage', async (_case, argv, code, message) => {
    expect(await main(['local', ...argv])).toBe(code);
    expect(stderr.join('').startsWith(message)).toBe(true);
    expect(stderr.join('')).toContain('Usage: cdk-enriched-stream-to-queue');
  });

  test.each(['--app=cdk.otu', '--app cdk.otu'])('a typo in --app (%s) fails at once, naming it, before anything starts', async (args) => {
    expect(await main(['local', ...args.split(' ')])).toBe(1);
    expect(stderr.join('')).toMatch(/^error: --app 'cdk\.otu' is neither a cloud assembly directory \(.*cdk\.otu does not exist\) nor a command that can run here/);
  });
});

test('the command silences the AWS SDK\'s Node.js 20 warning in its own process', async () => {
  // DescribePipe against a closed loopback port: the SDK client is made (where the SDK would warn), then fails.
  const child = spawn(tsNode, ['--transpile-only', '--project', 'tsconfig.dev.json', 'tools/cli.ts', 'replay', '--pipe-name', 'p', '--wait-seconds', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv({ AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_PIPES: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' }),
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const [code] = await once(child, 'exit');
  expect(stderr).toMatch(/^error: DescribePipe p failed/m);
  expect(code).toBe(3);
  expect(stderr).not.toContain('NodeVersionSupportWarning');
}, 120_000);
