/**
 * Synth cost per pipeline: N tables each wired to a queue through `EnrichedStreamToQueue`, against
 * the same pipe wired by hand with the pipes-alpha modules (source DLQ, queue with DLQ, log group,
 * Lambda enrichment). Prints the median of several runs; a benchmark, not a test.
 *
 *   npx projen bench
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as sources from '@aws-cdk/aws-pipes-sources-alpha';
import * as targets from '@aws-cdk/aws-pipes-targets-alpha';
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EnrichedStreamToQueue, LambdaEnrichment } from '../src';

type Wiring = (stack: Stack, i: number, table: dynamodb.ITable, fn: lambda.IFunction) => void;

const withConstruct: Wiring = (stack, i, table, fn) => {
  new EnrichedStreamToQueue(stack, `Pipeline${i}`, { table, enrichmentFunction: fn });
};

const byHand: Wiring = (stack, i, table, fn) => {
  const sourceDlq = new sqs.Queue(stack, `SourceDlq${i}`, { enforceSSL: true });
  const dlq = new sqs.Queue(stack, `Dlq${i}`, { enforceSSL: true });
  const queue = new sqs.Queue(stack, `Queue${i}`, { enforceSSL: true, deadLetterQueue: { queue: dlq, maxReceiveCount: 5 } });
  const logGroup = new logs.LogGroup(stack, `Logs${i}`, { retention: logs.RetentionDays.ONE_MONTH });
  new pipes.Pipe(stack, `Pipe${i}`, {
    source: new sources.DynamoDBSource(table as dynamodb.TableV2, {
      startingPosition: sources.DynamoDBStartingPosition.LATEST,
      batchSize: 10,
      maximumRetryAttempts: 3,
      deadLetterTarget: sourceDlq,
    }),
    filter: new pipes.Filter([pipes.FilterPattern.fromObject({ eventName: ['INSERT'] })]),
    enrichment: new LambdaEnrichment(fn),
    target: new targets.SqsTarget(queue),
    logDestinations: [new pipes.CloudwatchLogsLogDestination(logGroup)],
  });
};

function synthOnce(pipelines: number, wiring: Wiring): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  const start = process.hrtime.bigint();
  // 60 pipelines exceed CloudFormation's 500 resources per stack; the benchmark measures synth, not deployability.
  const app = new App({ outdir, context: { '@aws-cdk/core:stackResourceLimit': 0 } });
  const stack = new Stack(app, 'Bench', { env: { account: '111111111111', region: 'eu-west-1' } });
  const fn = lambda.Function.fromFunctionArn(stack, 'Enrich', 'arn:aws:lambda:eu-west-1:111111111111:function:enrich');
  for (let i = 0; i < pipelines; i++) {
    const table = new dynamodb.Table(stack, `Table${i}`, {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
    });
    wiring(stack, i, table, fn);
  }
  app.synth();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Warm the module cache and the JIT so the first measured run is not an outlier.
synthOnce(2, withConstruct);
synthOnce(2, byHand);

console.log(`median of ${RUNS} runs; node ${process.version}; ${os.cpus().length} cores`);
console.log('pipelines | wiring        | synth ms | ms per pipeline | resources per pipeline');
for (const pipelines of [10, 60]) {
  for (const [name, wiring] of [['construct', withConstruct], ['pipes-alpha', byHand]] as Array<[string, Wiring]>) {
    const times = Array.from({ length: RUNS }, () => synthOnce(pipelines, wiring));
    const total = median(times);
    const app = new App();
    const stack = new Stack(app, 'Count');
    const fn = lambda.Function.fromFunctionArn(stack, 'Enrich', 'arn:aws:lambda:eu-west-1:111111111111:function:enrich');
    const table = new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.NEW_IMAGE });
    wiring(stack, 0, table, fn);
    const resources = Object.keys(app.synth().getStackByName('Count').template.Resources).length - 1;
    console.log(`${String(pipelines).padStart(9)} | ${name.padEnd(13)} | ${total.toFixed(0).padStart(8)} | ${(total / pipelines).toFixed(1).padStart(15)} | ${resources}`);
  }
}
