/**
 * Real parts for the engine's tests: AWS's DynamoDB Local (streams), the fauxqs SQS emulator and the
 * local Lambda Invoke endpoint serving enrichment functions (test/engine/fixtures/enrichments.js, or
 * a file of the test's own), all reached through the SDK's standard AWS_ENDPOINT_URL_* variables
 * (test/support/local-aws.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LocalFunction } from '../../tools/emulator/lambda/functions';
import { LambdaService, startLambdaService } from '../../tools/emulator/lambda/invoke-api';
import { PipeDefinition } from '../../tools/pipe/definition';
import { type LocalAws, startLocalAws } from '../support/local-aws';

export const REGION = 'eu-west-1';
/** The account of the stack in these tests; DynamoDB Local's own ARNs name `000000000000`. */
export const ACCOUNT = '123456789012';
const FUNCTIONS = path.join(__dirname, 'fixtures', 'enrichments.js');
export const FUNCTION_NAMES = ['perRecord', 'oneUnsendable', 'emptyStrings', 'forgetsToReturn', 'emptyArray', 'bareObject', 'eleven', 'fail'] as const;

export function functionArn(name: string): string {
  return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
}

/** A function the local Lambda service serves. */
export interface HarnessFunction {
  readonly name: string;
  /** The export of the code file that handles it. @default the name */
  readonly handlerExport?: string;
  /** @default 10 */
  readonly timeoutSeconds?: number;
}

/** Options for {@link startHarness}. */
export interface HarnessOptions {
  /**
   * The file of the enrichment functions; each notes the batch it receives in CALLS_FILE.
   * @default test/engine/fixtures/enrichments.js
   */
  readonly code?: string;
  /**
   * The functions served from it; the first is the enrichment of {@link Harness.definition}.
   * @default FUNCTION_NAMES, each its own export
   */
  readonly functions?: readonly HarnessFunction[];
}

export type DefinitionOverrides = Partial<Omit<PipeDefinition, 'source'>> & { source?: Partial<PipeDefinition['source']> };

export interface Harness {
  readonly localAws: LocalAws;
  readonly lambda: LambdaService;
  readonly ddb: DynamoDBClient;
  readonly sqs: SQSClient;
  /** A new table with a NEW_IMAGE stream: its name, DynamoDB Local's stream ARN and the stream ARN as the stack's template names it. */
  table(): Promise<{ name: string; localStreamArn: string; streamArn: string }>;
  queue(name: string, fifo?: boolean): Promise<{ url: string; arn: string }>;
  /** Puts an item with this id and, optionally, more attributes. */
  put(table: string, id: string, extra?: Record<string, { S: string } | { N: string }>): Promise<unknown>;
  /** Every message on a queue (received with its system attributes, and deleted, so that a FIFO group moves on), until `count` are seen or a second passes without any. */
  drain(url: string, count?: number): Promise<Message[]>;
  /** The batches a function received since the last reset. */
  calls(name: string): Array<Array<Record<string, any>>>;
  resetCalls(): void;
  /** Starts another local Lambda service with the same functions on `port` (stopped by the caller). */
  startLambda(port: number): Promise<LambdaService>;
  /** A pipe reading `streamArn` into `target`, with the first function as enrichment, the INSERT filter, batch size 10, LATEST, 3 retries. */
  definition(streamArn: string, target: string, overrides?: DefinitionOverrides): PipeDefinition;
  stop(): Promise<void>;
}

let tables = 0;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'engine-test-'));
  const localAws = await startLocalAws(REGION);
  const codeFile = options.code ?? FUNCTIONS;
  const served: readonly HarnessFunction[] = options.functions ?? FUNCTION_NAMES.map(name => ({ name }));
  const functions: LocalFunction[] = served.map(({ name, handlerExport = name, timeoutSeconds = 10 }) => ({
    logicalId: name,
    name,
    arn: functionArn(name),
    region: REGION,
    codeFile,
    handlerExport,
    handler: `${path.basename(codeFile, '.js')}.${handlerExport}`,
    environment: { CALLS_FILE: path.join(workDir, `${name}.calls`) },
    timeoutSeconds,
    memorySize: 128,
    runtime: 'nodejs22.x',
  }));
  const lambda = await startLambdaService({ functions, log: () => undefined });
  localAws.setEnv('AWS_ENDPOINT_URL_LAMBDA', lambda.endpoint);
  const ddb = new DynamoDBClient({});
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const resetCalls = () => {
    for (const { name } of served) writeFileSync(path.join(workDir, `${name}.calls`), '');
  };
  resetCalls();
  return {
    localAws,
    lambda,
    ddb,
    sqs,
    table: async () => {
      const name = `engine-table-${++tables}`;
      const created = await ddb.send(new CreateTableCommand({
        TableName: name,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }));
      const localStreamArn = created.TableDescription!.LatestStreamArn!;
      const label = localStreamArn.split('/stream/')[1];
      return { name, localStreamArn, streamArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}/stream/${label}` };
    },
    queue: async (name, fifo = false) => {
      const queueName = fifo ? `${name}-${tables}.fifo` : `${name}-${tables}`;
      const created = await sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: fifo ? { FifoQueue: 'true' } : {} }));
      const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }));
      return { url: created.QueueUrl!, arn: attributes.Attributes!.QueueArn! };
    },
    put: (table, id, extra = {}) => ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, ...extra } })),
    drain: async (url, count = Infinity) => {
      const messages: Message[] = [];
      for (let empty = 0; empty < 4 && messages.length < count;) {
        const received = await sqs.send(new ReceiveMessageCommand({
          QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageSystemAttributeNames: ['All'],
        }));
        const batch = received.Messages ?? [];
        messages.push(...batch);
        if (batch.length > 0) {
          const entries = batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries }));
        } else {
          empty++;
          await new Promise(resolve => setTimeout(resolve, 250));
        }
      }
      return messages;
    },
    calls: (name) => {
      try {
        return readFileSync(path.join(workDir, `${name}.calls`), 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line));
      } catch {
        return [];
      }
    },
    resetCalls,
    startLambda: (port) => startLambdaService({ functions, port, log: () => undefined }),
    definition: (streamArn, target, overrides = {}) => {
      const { source, ...rest } = overrides;
      return {
        name: `engine-pipe-${tables}`,
        arn: `arn:aws:pipes:${REGION}:${ACCOUNT}:pipe/engine-pipe-${tables}`,
        desiredState: 'RUNNING',
        filterPatterns: ['{"eventName":["INSERT"]}'],
        enrichment: { arn: functionArn(served[0].name) },
        target: { queueArn: target },
        ...rest,
        source: {
          streamArn,
          startingPosition: 'LATEST',
          batchSize: 10,
          maximumBatchingWindowSeconds: 0,
          maximumRetryAttempts: 3,
          maximumRecordAgeSeconds: -1,
          parallelizationFactor: 1,
          ...source,
        },
      };
    },
    stop: async () => {
      ddb.destroy();
      sqs.destroy();
      await lambda.stop();
      await localAws.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * A harness for the enclosing `describe` block (or the whole file): started before its first test
 * (120 s allowed), each function's calls forgotten before every test, stopped after the last. The
 * handle reads through to the running harness; using it outside a test throws.
 */
export function useHarness(options: HarnessOptions = {}): Harness {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(options);
  }, 120_000);
  afterAll(async () => {
    await harness?.stop();
  });
  beforeEach(() => harness?.resetCalls());
  return new Proxy({} as Harness, {
    get: (_target, property) => {
      if (!harness) throw new Error('The engine harness runs only inside the tests of the block that called useHarness()');
      return harness[property as keyof Harness];
    },
  });
}
