/**
 * `npx projen bench:local`: 1,000 bookings through the dentist pipeline on this machine, twice:
 *
 * - with the construct's defaults, as the example synthesizes them;
 * - with the pipe configuration of the tutorial app this example grew from: batch size 1 (the
 *   default of pipes-sources-alpha's DynamoDBSource,
 *   https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_pipes_sources_alpha/DynamoDBSource.html),
 *   no batching window, filter `{"eventName": [{"prefix": "INSERT"}]}`, made by editing the pipe's
 *   SourceParameters in a copy of the synthesized assembly (everything else, retries and dead-letter
 *   queue included, stays): the local run executes that template as it would any other.
 *
 * Each run books through the local REST API as fast as 25 concurrent clients can, then counts per
 * 1,000 bookings: enrichment invocations, DynamoDB read requests made by the functions (a counting
 * HTTP proxy in front of DynamoDB Local is their AWS_ENDPOINT_URL_DYNAMODB; requests are told apart
 * by their X-Amz-Target header), SQS send requests and pipe executions (the runner's counters), the
 * booking → message latency (201 received → message received) at p50 and p95, and how many bookings
 * were lost or arrived more than once. A script, not a test: it prints its figures.
 *
 * It uses only the package's public entry points (through the example's launcher), as a consumer would.
 * BENCH_BOOKINGS sets the number of bookings (default 1,000).
 */
import { once } from 'node:events';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startDentist, synthesizeDentist } from '../examples/dentist/local/app';

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

async function run(name: string, assemblyDir: string): Promise<RunResult> {
  const proxy = new CountingProxy();
  const proxyEndpoint = await proxy.listen();
  const serviceLog: string[] = [];
  const dentist = await startDentist({
    assemblyDir,
    port: 0,
    // The functions' DynamoDB requests go through the counting proxy; the pipe reads the stream directly.
    functionEnvironment: { AWS_ENDPOINT_URL_DYNAMODB: proxyEndpoint },
    log: (line) => serviceLog.push(line),
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
    const before = app.pipe().stats();

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

    const stats = app.pipe().stats();
    const latencies = [...bookedAt].filter(([id]) => receivedAt.has(id)).map(([id, at]) => receivedAt.get(id)! - at).sort((a, b) => a - b);
    const per1000 = (count: number) => Math.round((count * 1000) / BOOKINGS);
    const described = await dentist.describePipe();
    const source = described.SourceParameters?.DynamoDBStreamParameters;
    const filters = (described.SourceParameters?.FilterCriteria?.Filters ?? []).map((filter) => filter.Pattern);
    sqs.destroy();
    dynamodb.destroy();
    return {
      name,
      pipe: `batch size ${source?.BatchSize}, window ${source?.MaximumBatchingWindowInSeconds} s, filter ${filters.join(' | ')}`,
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

/**
 * A copy of the synthesized assembly whose pipe is the tutorial's: batches of one record, no batching
 * window, and its prefix filter, written into the template's SourceParameters as CloudFormation takes them.
 */
function tutorialAssembly(assemblyDir: string, outdir: string): string {
  cpSync(assemblyDir, outdir, { recursive: true });
  let pipes = 0;
  for (const file of readdirSync(outdir).filter((name) => name.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(path.join(outdir, file), 'utf8')) as { Resources?: Record<string, { Type: string; Properties?: any }> };
    for (const resource of Object.values(template.Resources ?? {}).filter((candidate) => candidate.Type === 'AWS::Pipes::Pipe')) {
      const parameters = resource.Properties.SourceParameters;
      parameters.DynamoDBStreamParameters = { ...parameters.DynamoDBStreamParameters, BatchSize: 1, MaximumBatchingWindowInSeconds: 0 };
      parameters.FilterCriteria = { Filters: [{ Pattern: JSON.stringify({ eventName: [{ prefix: 'INSERT' }] }) }] };
      pipes++;
    }
    writeFileSync(path.join(outdir, file), JSON.stringify(template, undefined, 1));
  }
  if (pipes !== 1) throw new Error(`The dentist assembly should have one pipe, found ${pipes}`);
  return outdir;
}

async function main(): Promise<void> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'bench-local-'));
  try {
    log('Synthesizing examples/dentist...');
    const defaultsAssembly = await synthesizeDentist(path.join(outdir, 'defaults'), log);
    const assemblies = [['construct defaults', defaultsAssembly], ['tutorial configuration', tutorialAssembly(defaultsAssembly, path.join(outdir, 'tutorial'))]] as const;
    const results: RunResult[] = [];
    for (const [name, assemblyDir] of assemblies) {
      log(`Run: ${name} (${BOOKINGS} bookings)...`);
      results.push(await run(name, assemblyDir));
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
