/**
 * `npx projen bench:local`: 1,000 bookings through the dentist pipeline on this machine, twice:
 *
 * - with the construct's defaults, as the example synthesizes them;
 * - with the pipe configuration of the tutorial app this example grew from: batch size 1 (the
 *   default of pipes-sources-alpha's DynamoDBSource,
 *   https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_pipes_sources_alpha/DynamoDBSource.html),
 *   no batching window, filter `{"eventName": [{"prefix": "INSERT"}]}`, made by overriding the
 *   synthesized pipe's definition (everything else, retries and dead-letter queue included, stays).
 *
 * Each run books through the local REST API as fast as 25 concurrent clients can, then counts per
 * 1,000 bookings: enrichment invocations, DynamoDB read requests made by the functions (a counting
 * HTTP proxy in front of DynamoDB Local is their AWS_ENDPOINT_URL_DYNAMODB; requests are told apart
 * by their X-Amz-Target header), SQS send requests and pipe executions (the runner's counters), the
 * booking → message latency (201 received → message received) at p50 and p95, and how many bookings
 * were lost or arrived more than once. A script, not a test: it prints its figures.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startDentist, synthesizeDentist } from '../examples/dentist/local/app';
import type { PipeDefinition } from '../tools/pipe/definition';

const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 1000);
const CLIENTS = 25;
const CONTACTS = 200;
const DELIVERY_TIMEOUT_MS = 180_000;
const READ_TARGETS = ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'];

/** A proxy in front of DynamoDB Local that counts requests by operation (X-Amz-Target). */
class CountingProxy {
  public upstream = '';
  public counts = new Map<string, number>();
  private readonly server: Server;

  constructor() {
    this.server = createServer((incoming, outgoing) => {
      const operation = String(incoming.headers['x-amz-target'] ?? 'unknown').split('.').pop()!;
      this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
      const target = new URL(this.upstream);
      const forward = httpRequest({
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        // DynamoDB Local answers only requests addressed to itself (its Host), as the local run starts it.
        headers: { ...incoming.headers, host: target.host },
      }, (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      });
      forward.on('error', (error) => {
        outgoing.writeHead(502);
        outgoing.end(error.message);
      });
      incoming.pipe(forward);
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  reads(): number {
    return READ_TARGETS.reduce((sum, target) => sum + (this.counts.get(target) ?? 0), 0);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
  }
}

interface RunResult {
  readonly name: string;
  readonly pipe: string;
  readonly enrichmentInvocations: number;
  readonly dynamodbReads: number;
  readonly readsByOperation: Record<string, number>;
  readonly sqsSendRequests: number;
  readonly pipeExecutions: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly bookingSeconds: number;
  readonly deliverySeconds: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function run(name: string, assemblyDir: string, pipeOverride?: (pipe: PipeDefinition) => PipeDefinition): Promise<RunResult> {
  const proxy = new CountingProxy();
  const proxyEndpoint = await proxy.listen();
  const serviceLog: string[] = [];
  const dentist = await startDentist({
    assemblyDir,
    port: 0,
    pipeOverride,
    functionEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: proxyEndpoint },
    log: (line) => serviceLog.push(line),
    runnerOptions: { logger: (record) => serviceLog.push(JSON.stringify(record)) },
  });
  try {
    proxy.upstream = dentist.ready.dynamodb;
    const { ready, app } = dentist;
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const dynamodb = new DynamoDBClient({ endpoint: ready.dynamodb, region: app.region, credentials });
    const sqs = new SQSClient({ endpoint: ready.sqs, region: app.region, credentials });
    // Half of the patients have a contact.
    for (let start = 0; start < CONTACTS; start += 25) {
      const items = Array.from({ length: Math.min(25, CONTACTS - start) }, (_, index) => ({
        PutRequest: { Item: { id: { S: `patient${start + index}@example.com` }, preferredMethod: { S: (start + index) % 2 ? 'sms' : 'email' } } },
      }));
      await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [ready.contactsTable]: items } }));
    }
    await app.idle();
    proxy.counts.clear();
    const before = { ...app.runners[0].stats };

    // Receive while booking.
    const bookedAt = new Map<string, number>();
    const receivedAt = new Map<string, number>();
    let duplicated = 0;
    let receiving = true;
    const receivers = Array.from({ length: 4 }, async () => {
      while (receiving) {
        const receive = new ReceiveMessageCommand({ QueueUrl: ready.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
        const { Messages = [] } = await sqs.send(receive);
        const now = Date.now();
        for (const message of Messages) {
          const { id } = JSON.parse(message.Body!) as { id: string };
          if (receivedAt.has(id)) duplicated++;
          else receivedAt.set(id, now);
        }
        if (Messages.length > 0) {
          await sqs.send(new DeleteMessageBatchCommand({
            QueueUrl: ready.queueUrl,
            Entries: Messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
          }));
        }
      }
    });

    const bookingStart = Date.now();
    let next = 0;
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < BOOKINGS) {
        const index = next++;
        const response = await fetch(`${ready.api}/appointments`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            appointment: {
              patient: { firstName: 'Pat', lastName: `N${index}`, email: `patient${index % (CONTACTS * 2)}@example.com` },
              dentist: { name: 'Dr Molar' },
              date: '2030-05-01',
              time: `${String(8 + (index % 10)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}`,
            },
          }),
        });
        const body = await response.text();
        if (response.status !== 201) throw new Error(`Booking ${index} answered ${response.status}: ${body}`);
        bookedAt.set((JSON.parse(body) as { id: string }).id, Date.now());
      }
    }));
    const bookingSeconds = (Date.now() - bookingStart) / 1000;
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    while (Date.now() < deadline && [...bookedAt.keys()].some((id) => !receivedAt.has(id))) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Give duplicates a chance to show up.
    await app.idle(60_000).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    receiving = false;
    await Promise.all(receivers);
    const deliverySeconds = (Math.max(...receivedAt.values()) - bookingStart) / 1000;

    const stats = app.runners[0].stats;
    const latencies = [...bookedAt].filter(([id]) => receivedAt.has(id)).map(([id, at]) => receivedAt.get(id)! - at).sort((a, b) => a - b);
    const per1000 = (count: number) => Math.round((count * 1000) / BOOKINGS);
    const pipe = app.pipes[0].definition;
    sqs.destroy();
    dynamodb.destroy();
    return {
      name,
      pipe: `batch size ${pipe.source.batchSize}, window ${pipe.source.maximumBatchingWindowSeconds} s, filter ${pipe.filterPatterns.join(' | ')}`,
      enrichmentInvocations: per1000(stats.enrichmentInvocations - before.enrichmentInvocations),
      dynamodbReads: per1000(proxy.reads()),
      readsByOperation: Object.fromEntries([...proxy.counts]
        .filter(([operation]) => READ_TARGETS.includes(operation))
        .map(([operation, count]) => [operation, per1000(count)])),
      sqsSendRequests: per1000(stats.targetSendRequests - before.targetSendRequests),
      pipeExecutions: per1000(stats.pipeExecutions - before.pipeExecutions),
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      lost: [...bookedAt.keys()].filter((id) => !receivedAt.has(id)).length,
      duplicated,
      bookingSeconds,
      deliverySeconds,
    };
  } catch (error) {
    log(serviceLog.slice(-50).join('\n'));
    throw error;
  } finally {
    await dentist.stop();
    await proxy.close();
  }
}

/** The tutorial's pipe: batches of one record, no batching window, and its prefix filter. */
function tutorialPipe(pipe: PipeDefinition): PipeDefinition {
  return {
    ...pipe,
    source: { ...pipe.source, batchSize: 1, maximumBatchingWindowSeconds: 0 },
    filterPatterns: [JSON.stringify({ eventName: [{ prefix: 'INSERT' }] })],
  };
}

async function main(): Promise<void> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'bench-local-'));
  try {
    log('Synthesizing examples/dentist...');
    await synthesizeDentist(outdir, log);
    const results: RunResult[] = [];
    for (const [name, override] of [['construct defaults', undefined], ['tutorial configuration', tutorialPipe]] as const) {
      log(`Run: ${name} (${BOOKINGS} bookings)...`);
      results.push(await run(name, outdir, override));
      log(JSON.stringify(results[results.length - 1]));
    }
    const [defaults, tutorial] = results;
    const rows: [string, (r: RunResult) => string][] = [
      ['pipe', (r) => r.pipe],
      ['enrichment invocations / 1,000 bookings', (r) => String(r.enrichmentInvocations)],
      ['DynamoDB read requests / 1,000 bookings', (r) => `${r.dynamodbReads} (${Object.entries(r.readsByOperation).map(([k, v]) => `${k} ${v}`).join(', ')})`],
      ['SQS send requests / 1,000 bookings', (r) => String(r.sqsSendRequests)],
      ['pipe executions / 1,000 bookings', (r) => String(r.pipeExecutions)],
      ['booking → message latency p50 / p95', (r) => `${r.p50Ms} ms / ${r.p95Ms} ms`],
      ['lost / duplicated', (r) => `${r.lost} / ${r.duplicated}`],
      ['booking time / last message', (r) => `${r.bookingSeconds.toFixed(1)} s / ${r.deliverySeconds.toFixed(1)} s`],
    ];
    console.log(`\n${BOOKINGS} bookings through the local dentist pipeline, ${CLIENTS} concurrent clients:\n`);
    console.log(`| | ${defaults.name} | ${tutorial.name} |\n|---|---|---|`);
    for (const [label, cell] of rows) console.log(`| ${label} | ${cell(defaults)} | ${cell(tutorial)} |`);
    const invocationRatio = defaults.enrichmentInvocations / tutorial.enrichmentInvocations;
    const readRatio = defaults.dynamodbReads / tutorial.dynamodbReads;
    const goal = invocationRatio <= 0.2 && readRatio <= 0.2 && results.every((r) => r.lost === 0 && r.duplicated === 0);
    console.log(`\nDefaults need ${(invocationRatio * 100).toFixed(0)}% of the tutorial's enrichment invocations and ${(readRatio * 100).toFixed(0)}% of its DynamoDB reads`
      + ` (goal: at most 20% each, nothing lost or duplicated): ${goal ? 'met' : 'NOT met'}.`);
    process.exitCode = goal ? 0 : 1;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench:local failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
