/**
 * `cdk-enriched-stream-to-queue local` as process managers, IDEs and impatient people end it: a
 * signal during start-up, a second signal while stopping, `kill -9` of the CLI, the `npx` that
 * started it killed, and a service that dies. Whatever happens, no process the run started
 * survives it, and the exit code says what happened (tools/emulator/support/lifecycle.ts).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { commandLineOf, descendantsOf, isAlive, waitUntilGone } from './support/process-tree';
import { OrdersStack } from '../../examples/orders/orders-stack';

jest.setTimeout(180_000);

const ROOT = path.join(__dirname, '..', '..');
const TS_NODE = path.join(ROOT, 'node_modules', '.bin', 'ts-node');
const CLI = [TS_NODE, '--transpile-only', '--project', 'tsconfig.dev.json', 'tools/cli.ts'];
let outdir: string;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'cli-lifecycle-'));
  const app = new App({ outdir });
  new OrdersStack(app, 'Orders', { env: { account: '111111111111', region: 'eu-west-1' } });
  app.synth();
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

interface Run {
  readonly child: ChildProcess;
  /** The READY line's JSON, once printed. */
  readonly ready: Promise<{ environment: Record<string, string>; pipes: Array<{ tableName: string }> }>;
  /** Resolves with the exit code (or the signal that killed it). */
  readonly exited: Promise<number | NodeJS.Signals>;
  stderr(): string;
}

/** Starts the CLI (`argv` before it: a launcher such as `npm exec --`), as its own process. */
function run(launcher: string[] = []): Run {
  const [command, ...args] = [...launcher, ...CLI, 'local', '--app', outdir];
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<Run['ready'] extends Promise<infer T> ? T : never>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice('READY '.length)));
    });
    child.once('exit', () => reject(new Error(`the CLI exited before READY:\n${stderr}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal!)));
  return { child, ready, exited, stderr: () => stderr };
}

/** Waits until `pid` has a descendant for which `match` holds; returns every descendant then. */
async function waitForDescendant(pid: number, match: (commandLine: string[]) => boolean): Promise<number[]> {
  for (let waited = 0; waited < 120_000; waited += 50) {
    const descendants = descendantsOf(pid);
    if (descendants.some((candidate) => isAlive(candidate) && match(commandLineOf(candidate)))) return descendants;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no such descendant of ${pid}`);
}

const isJvm = (commandLine: string[]) => commandLine.includes('java');
const isWorker = (commandLine: string[]) => commandLine.some((arg) => arg.endsWith('lambda-worker.js'));

/** Writes an order that passes the filter, so that the enrichment's execution environment starts. */
async function placeOrder(ready: Awaited<Run['ready']>): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: ready.environment.AWS_ENDPOINT_URL_DYNAMODB,
    region: ready.environment.AWS_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new PutItemCommand({
    TableName: ready.pipes[0].tableName,
    Item: { orderId: { S: 'o-1' }, status: { S: 'PLACED' }, customerEmail: { S: 'o-1@example.com' }, lines: { L: [] } },
  }));
  client.destroy();
}

test('Ctrl-C (SIGINT) during start-up stops what has started and exits 130', async () => {
  const cli = run();
  const started = await waitForDescendant(cli.child.pid!, isJvm);
  cli.child.kill('SIGINT');

  expect(await cli.exited).toBe(130);
  await waitUntilGone(started, 10_000);
  expect(cli.stderr()).toContain('SIGINT: stopping...');
});

test('a second SIGTERM while stopping kills every child at once and exits 130', async () => {
  const cli = run();
  await cli.ready;
  const started = descendantsOf(cli.child.pid!);
  expect(started.some((pid) => isJvm(commandLineOf(pid)))).toBe(true);

  cli.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 20));
  cli.child.kill('SIGTERM');

  expect(await cli.exited).toBe(130);
  await waitUntilGone(started, 2_000);
  expect(cli.stderr()).toMatch(/SIGTERM again while stopping: killed \d+ child process/);
});

test('kill -9 of the CLI leaves nothing behind within 10 s: DynamoDB Local, the SQS emulator and the Lambda workers notice', async () => {
  const cli = run();
  await placeOrder(await cli.ready);
  const started = await waitForDescendant(cli.child.pid!, isWorker);
  expect(started.length).toBeGreaterThanOrEqual(3);

  cli.child.kill('SIGKILL');
  await cli.exited;

  const took = await waitUntilGone(started, 10_000);
  expect(took).toBeLessThan(10_000);
});

test('killing the `npm exec` (npx) that started it leaves nothing behind within 10 s', async () => {
  const npm = run(['npm', 'exec', '--offline', '--']);
  await npm.ready;
  const started = descendantsOf(npm.child.pid!);
  expect(started.some((pid) => isJvm(commandLineOf(pid)))).toBe(true);

  // npm forwards the signal to the shell it started, not to the CLI under that shell.
  npm.child.kill('SIGTERM');
  await npm.exited;

  await waitUntilGone(started, 10_000);
});

test.each([
  ['DynamoDB Local', isJvm],
  ['The SQS emulator (fauxqs)', (commandLine: string[]) => commandLine.some((arg) => arg.endsWith('fauxqs-server.mjs'))],
])('%s dying ends the run: the CLI prints which one, its pid and the signal, and exits 1', async (name, isService) => {
  const cli = run();
  await cli.ready;
  const service = descendantsOf(cli.child.pid!).find((pid) => isService(commandLineOf(pid)))!;

  process.kill(service, 'SIGKILL');

  expect(await cli.exited).toBe(1);
  expect(cli.stderr()).toContain(`error: ${name} (pid ${service}) exited unexpectedly: SIGKILL\n`);
});
