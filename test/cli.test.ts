// The consumer command `cdk-enriched-stream-to-queue local`, run as its own process as a consumer
// runs it: one READY line on stdout, then a clean stop on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { App } from 'aws-cdk-lib';
import { OrdersStack } from '../examples/orders/orders-stack';

const root = path.join(__dirname, '..');
let outdir: string;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'cli-local-'));
  const app = new App({ outdir });
  new OrdersStack(app, 'Orders', { env: { account: '111111111111', region: 'eu-west-1' } });
  app.synth();
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('local prints one READY line with the endpoints, environment, tables, queues and pipes, and stops on SIGTERM', async () => {
  const child = spawn(path.join(root, 'node_modules', '.bin', 'ts-node'),
    ['--transpile-only', '--project', 'tsconfig.dev.json', 'tools/cli.ts', 'local', '--app', outdir],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  try {
    const lines = createInterface({ input: child.stdout! });
    const [line] = await once(lines, 'line') as [string];
    expect(line.startsWith('READY ')).toBe(true);
    const ready = JSON.parse(line.slice('READY '.length));
    expect(Object.keys(ready)).toEqual(['dynamodb', 'sqs', 'lambda', 'apis', 'pipesApi', 'environment', 'tables', 'queues', 'pipes']);
    expect(ready.environment).toMatchObject({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_DYNAMODB: ready.dynamodb, AWS_ENDPOINT_URL_PIPES: ready.pipesApi });
    expect(ready.pipes).toEqual([expect.objectContaining({
      name: 'Orders-OrderSummariesDC3052E5',
      queueUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/Orders-OrderSummariesQueue/),
      sourceDeadLetterQueueUrl: expect.stringContaining('SourceDeadLetterQueue'),
    })]);
  } finally {
    child.kill('SIGTERM');
  }
  const started = Date.now();
  const [code] = await exited;
  expect(code).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
}, 120_000);
