/**
 * Runs the fidelity experiments (experiments.ts) and writes what each pipe did to a JSON file.
 *
 *   against AWS, after `cdk deploy --outputs-file <file>` of experiments.ts (npx projen integ:fidelity):
 *     ts-node test/integ/fidelity/run.ts --target aws --outputs <file> --out test/integ/fidelity/aws-results.json
 *   against the local pipe (CI, no account):
 *     ts-node test/integ/fidelity/run.ts --target local --out .tmp/fidelity-local.json
 *
 * The same driver runs both: its SDK clients take their endpoints from the environment, which the
 * local run points at DynamoDB Local and the SQS emulator (AWS_ENDPOINT_URL_*), and AWS leaves alone.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { EXPERIMENTS, FidelityExperiment, fidelityApp, outputNames, STACK_NAME } from './experiments';
import type { FidelityObservation, FidelityResults } from '../../../tools/engine/fidelity';
import { startLocalPipelines } from '../../../tools/index';

/** Where an experiment's records go and its messages arrive. */
export interface ExperimentResources {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly sourceDeadLetterQueueUrl: string;
}

export interface RunOptions {
  /** How long the queues must stay quiet before the experiment is over. */
  readonly quietMs: number;
  /** Gives up waiting after this long. */
  readonly timeoutMs: number;
  /** Called after the writes, before waiting (the local run waits until its pipes are idle). */
  readonly settle?: () => Promise<void>;
}

async function write(dynamodb: DynamoDBClient, tableName: string, experiment: FidelityExperiment): Promise<void> {
  for (const change of experiment.writes) {
    if ('put' in change) {
      const item = Object.fromEntries(Object.entries(change.put).map(([key, value]) => [key, typeof value === 'boolean' ? { BOOL: value } : { S: value }]));
      await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: item }));
    } else {
      const names = Object.keys(change.update.set);
      await dynamodb.send(new UpdateItemCommand({
        TableName: tableName,
        Key: { id: { S: change.update.id } },
        UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#n${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, { S: change.update.set[name] }])),
      }));
    }
  }
}

/** Receives (and deletes) every message of `queueUrl` until none has come for `quietMs`. */
async function drain(sqs: SQSClient, queueUrl: string, options: RunOptions): Promise<Array<{ body: string; groupId?: string }>> {
  const received: Array<{ body: string; groupId?: string }> = [];
  const deadline = Date.now() + options.timeoutMs;
  let lastArrival = Date.now();
  while (Date.now() < deadline && Date.now() - lastArrival < options.quietMs) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['MessageGroupId'],
    }));
    for (const message of Messages) {
      received.push({ body: message.Body ?? '', groupId: message.Attributes?.MessageGroupId });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      lastArrival = Date.now();
    }
  }
  return received;
}

function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** Runs every experiment at once against `resources` and returns what each pipe did. */
export async function runExperiments(
  resources: (experiment: FidelityExperiment) => ExperimentResources,
  options: RunOptions,
): Promise<Record<string, FidelityObservation>> {
  const dynamodb = new DynamoDBClient({});
  const sqs = new SQSClient({});
  try {
    await Promise.all(EXPERIMENTS.map(experiment => write(dynamodb, resources(experiment).tableName, experiment)));
    await options.settle?.();
    const entries = await Promise.all(EXPERIMENTS.map(async (experiment): Promise<[string, FidelityObservation]> => {
      const { queueUrl, sourceDeadLetterQueueUrl } = resources(experiment);
      const [target, deadLetters] = await Promise.all([drain(sqs, queueUrl, options), drain(sqs, sourceDeadLetterQueueUrl, options)]);
      return [experiment.id, {
        target: target
          .map(message => (experiment.fifoGroupIdPath === undefined
            ? parsed(message.body)
            : { body: parsed(message.body), groupId: message.groupId }))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        sourceDeadLetters: deadLetters.map((message) => {
          const body = parsed(message.body) as { context?: { condition?: string }; DDBStreamBatchInfo?: { batchSize?: number } };
          return { condition: body.context?.condition, batchSize: body.DDBStreamBatchInfo?.batchSize };
        }),
      }];
    }));
    return Object.fromEntries(entries);
  } finally {
    dynamodb.destroy();
    sqs.destroy();
  }
}

/** The experiments against the local pipe: the app synthesized in-process and run with `startLocalPipelines`. */
export async function runLocally(log: (line: string) => void = () => undefined): Promise<Record<string, FidelityObservation>> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'fidelity-'));
  try {
    fidelityApp(outdir).synth();
    const local = await startLocalPipelines({ assemblyDir: outdir, log, retryDelayMs: 10 });
    try {
      return await runExperiments((experiment) => {
        const pipe = local.pipe(`${STACK_NAME}/${experiment.name}`);
        return { tableName: pipe.tableName!, queueUrl: pipe.queueUrl!, sourceDeadLetterQueueUrl: pipe.sourceDeadLetterQueueUrl! };
      }, { quietMs: 1500, timeoutMs: 60_000, settle: () => local.idle(60_000) });
    } finally {
      await local.stop();
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The experiments against a deployed fidelity stack, from the CDK CLI's `--outputs-file`. */
export async function runOnAws(outputsFile: string): Promise<Record<string, FidelityObservation>> {
  const outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)[STACK_NAME];
  if (!outputs) {
    throw new Error(`${outputsFile} has no outputs of the stack ${STACK_NAME}: deploy test/integ/fidelity/experiments.ts with --outputs-file first`);
  }
  return runExperiments((experiment) => {
    const names = outputNames(experiment);
    return { tableName: outputs[names.table], queueUrl: outputs[names.queue], sourceDeadLetterQueueUrl: outputs[names.sourceDeadLetterQueue] };
  }, { quietMs: 90_000, timeoutMs: 15 * 60_000 });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { target: { type: 'string' }, outputs: { type: 'string' }, out: { type: 'string' } } });
  if (values.target !== 'aws' && values.target !== 'local') {
    throw new Error('--target must be aws or local');
  }
  const observations = values.target === 'aws'
    ? await runOnAws(values.outputs ?? 'cdk-outputs.json')
    : await runLocally((line) => process.stderr.write(`${line}\n`));
  const results: FidelityResults = { target: values.target, date: new Date().toISOString(), observations };
  const out = values.out ?? path.join('.tmp', `fidelity-${values.target}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${Object.keys(observations).length} experiments written to ${out}\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
