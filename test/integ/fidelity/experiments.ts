/**
 * The fidelity kit: one small pipe per point where the AWS documentation is silent about what Pipes
 * does (the ids are the local runner's, listed in tools/engine/README.md), so that a maintainer with
 * an AWS account can settle each point on a real pipe (`npx projen integ:fidelity`) and CI can run
 * the very same experiments against the local pipe.
 *
 * The app is the same for both: `fidelityApp()` builds it, the CDK CLI deploys it to AWS, and the
 * local run synthesizes it in-process. The driver (run.ts) writes the records, waits until the
 * queues are quiet, and records what arrived on the target queue and on the source dead-letter queue.
 * Every pipe keeps the construct's default filter (INSERT records only).
 */
import * as path from 'node:path';
import { OnPartialBatchItemFailure } from '@aws-cdk/aws-pipes-sources-alpha';
import { App, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { EnrichedStreamToQueue } from '../../../src';

/** One write to the experiment's table. */
export type FidelityWrite =
  | { readonly put: Record<string, string | boolean> }
  | { readonly update: { readonly id: string; readonly set: Record<string, string> } };

/** One experiment: a pipe that depends on one unspecified point, and the records that make it do so. */
export interface FidelityExperiment {
  /** The unspecified point's id (tools/engine/README.md). */
  readonly id: string;
  /** The construct id of its pipe, and the prefix of its outputs. */
  readonly name: string;
  /** What the AWS pages leave open. */
  readonly question: string;
  /** The export of handlers/index.js that enriches. */
  readonly handler: string;
  readonly batchSize: number;
  /** Seconds; the records are written at once, so a window puts them in one batch. */
  readonly batchingWindowSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly bisect?: boolean;
  /** A FIFO target queue whose MessageGroupId is this JSON path. */
  readonly fifoGroupIdPath?: string;
  readonly writes: readonly FidelityWrite[];
}

export const STACK_NAME = 'PipesFidelity';

export const EXPERIMENTS: readonly FidelityExperiment[] = [
  {
    id: 'enrichment-null-result',
    name: 'NullResult',
    question: 'The enrichment returns null: is the target invoked, with what, and is the batch a success?',
    handler: 'nullResult',
    batchSize: 1,
    batchingWindowSeconds: 0,
    maximumRetryAttempts: 0,
    writes: [{ put: { id: 'n1' } }],
  },
  {
    id: 'enrichment-non-array-result',
    name: 'ObjectResult',
    question: 'The enrichment returns a bare object for a batch of two: one message, two, or a failure?',
    handler: 'objectResult',
    batchSize: 2,
    batchingWindowSeconds: 10,
    maximumRetryAttempts: 0,
    writes: [{ put: { id: 'o1' } }, { put: { id: 'o2' } }],
  },
  {
    id: 'enrichment-failure-bisect',
    name: 'BisectOnEnrichmentFailure',
    question: 'With AUTOMATIC_BISECT, does an enrichment failure on a batch of two bisect it (the good record delivered) or retry it whole?',
    handler: 'failOnPoison',
    batchSize: 2,
    batchingWindowSeconds: 10,
    maximumRetryAttempts: 0,
    bisect: true,
    writes: [{ put: { id: 'good' } }, { put: { id: 'bad', poison: true } }],
  },
  {
    id: 'group-id-path-selects-nothing',
    name: 'GroupIdPathSelectsNothing',
    question: 'A FIFO target whose MessageGroupId path selects nothing in the item: delivered (with which group), or a failure?',
    handler: 'identity',
    batchSize: 1,
    batchingWindowSeconds: 0,
    maximumRetryAttempts: 0,
    fifoGroupIdPath: '$.missing',
    writes: [{ put: { id: 'g1' } }],
  },
  {
    id: 'enrichment-too-many-items',
    name: 'TooManyItems',
    question: 'The enrichment returns 11 items: the target is not invoked (documented); is that a failure that is retried and dead-lettered?',
    handler: 'eleven',
    batchSize: 1,
    batchingWindowSeconds: 0,
    maximumRetryAttempts: 0,
    writes: [{ put: { id: 't1' } }],
  },
  {
    id: 'dlq-batch-size-with-filtered-records',
    name: 'DeadLetterBatchSize',
    question: 'A dead-lettered batch whose range holds a record the filter dropped: what do batchSize and the sequence range count?',
    handler: 'alwaysFail',
    batchSize: 10,
    batchingWindowSeconds: 10,
    maximumRetryAttempts: 0,
    writes: [{ put: { id: 'd1' } }, { update: { id: 'd1', set: { note: 'modified' } } }, { put: { id: 'd2' } }],
  },
  {
    id: 'partial-batch-items-not-one-per-record',
    name: 'PartialFailureUnevenItems',
    question: 'SendMessageBatch fails for one entry when the enrichment returned two items per record: which items are retried?',
    handler: 'twoPerRecord',
    batchSize: 2,
    batchingWindowSeconds: 10,
    maximumRetryAttempts: 1,
    writes: [{ put: { id: 'p1' } }, { put: { id: 'p2', bad: true } }],
  },
];

/** Output names of an experiment's stack outputs. */
export function outputNames(experiment: FidelityExperiment) {
  return { table: `${experiment.name}TableName`, queue: `${experiment.name}QueueUrl`, sourceDeadLetterQueue: `${experiment.name}SourceDeadLetterQueueUrl` };
}

/**
 * The fidelity app: one stack, one table, enrichment and pipe per experiment. In AWS the stack goes to
 * the CLI's account and region; locally to a fixed one, so that ARNs look like AWS's.
 */
export function fidelityApp(outdir?: string): App {
  // Path metadata, as the CDK CLI asks for it, lets the local run find each pipe by construct path.
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const account = process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111';
  const region = process.env.CDK_DEFAULT_REGION ?? 'eu-west-1';
  const stack = new Stack(app, STACK_NAME, { env: { account, region } });
  const code = lambda.Code.fromAsset(path.join(__dirname, 'handlers'));
  for (const experiment of EXPERIMENTS) {
    const table = new dynamodb.TableV2(stack, `${experiment.name}Table`, {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const enrichmentFunction = new lambda.Function(stack, `${experiment.name}Enrich`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: `index.${experiment.handler}`,
      code,
      timeout: Duration.seconds(10),
    });
    const queue = experiment.fifoGroupIdPath === undefined ? undefined : new sqs.Queue(stack, `${experiment.name}FifoQueue`, {
      fifo: true,
      contentBasedDeduplication: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const pipeline = new EnrichedStreamToQueue(stack, experiment.name, {
      table,
      enrichmentFunction,
      queue,
      messageGroupId: experiment.fifoGroupIdPath,
      batchSize: experiment.batchSize,
      maximumBatchingWindow: Duration.seconds(experiment.batchingWindowSeconds),
      maximumRetryAttempts: experiment.maximumRetryAttempts,
      onPartialBatchItemFailure: experiment.bisect ? OnPartialBatchItemFailure.AUTOMATIC_BISECT : undefined,
      createAlarms: false,
    });
    const names = outputNames(experiment);
    new CfnOutput(stack, names.table, { value: table.tableName });
    new CfnOutput(stack, names.queue, { value: pipeline.queue.queueUrl });
    new CfnOutput(stack, names.sourceDeadLetterQueue, { value: pipeline.sourceDeadLetterQueue.queueUrl });
  }
  return app;
}

if (require.main === module) {
  fidelityApp().synth();
}
