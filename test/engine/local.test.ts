/**
 * The engine's additions to `cdk-enriched-stream-to-queue/local`: `strict`, `LocalPipeInfo.records()`,
 * the `onRecord` hook behind `local --trace`, and the new stats, on a synthesized app whose enrichment
 * forgets to return (a point where AWS is silent: enrichment-null-result).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnrichedStreamToQueue } from '../../src';
import { type LocalPipelines, type LocalRecordOutcome, startLocalPipelines } from '../../tools/index';

jest.setTimeout(120_000);

let outdir: string;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'engine-local-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Forgetful', { env: { account: '111111111111', region: 'eu-west-1' } });
  const table = new dynamodb.TableV2(stack, 'Items', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
  });
  const enrichment = new lambda.Function(stack, 'ForgetsToReturn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'enrichments.forgetsToReturn',
    code: lambda.Code.fromAsset(path.join(__dirname, 'fixtures')),
  });
  new EnrichedStreamToQueue(stack, 'Pipeline', { table, enrichmentFunction: enrichment, maximumRetryAttempts: 0 });
  app.synth();
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('strict: idle() rejects naming the point; records() and onRecord account for every record; stats count the point', async () => {
  const settled: Array<[string, LocalRecordOutcome]> = [];
  const logs: string[] = [];
  let local: LocalPipelines | undefined;
  let ddb: DynamoDBClient | undefined;
  try {
    local = await startLocalPipelines({
      assemblyDir: outdir, strict: true, onRecord: (pipe, outcome) => settled.push([pipe, outcome]), log: line => logs.push(line),
    });
    ddb = new DynamoDBClient({}); // the SDK's defaults: the endpoints startLocalPipelines set
    const pipe = local.pipe();
    await ddb.send(new PutItemCommand({ TableName: pipe.tableName, Item: { id: { S: 'a' } } }));
    await ddb.send(new UpdateItemCommand({ TableName: pipe.tableName, Key: { id: { S: 'a' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '1' } } }));
    await expect(local.idle()).rejects.toThrow(/^Unspecified behaviour 'enrichment-null-result' \(strict mode\)/);
    for (let i = 0; i < 100 && settled.length < 2; i++) await new Promise(resolve => setTimeout(resolve, 100));
    expect(pipe.records()).toEqual([
      expect.objectContaining({ keys: { id: { S: 'a' } }, eventName: 'INSERT', outcome: 'dead-lettered', unspecified: ['enrichment-null-result'] }),
      expect.objectContaining({ keys: { id: { S: 'a' } }, eventName: 'MODIFY', outcome: 'filtered', reason: ['filters[0]: eventName: wanted ["INSERT"], the record holds "MODIFY"'] }),
    ]);
    expect(settled.map(([name, outcome]) => [name, outcome.outcome]).sort()).toEqual([[pipe.name, 'dead-lettered'], [pipe.name, 'filtered']]);
    expect(pipe.stats()).toMatchObject({ recordsDelivered: 0, unspecified: { 'enrichment-null-result': 1 } });
    // The WARN record reaches the app's log whatever the pipe's own log level.
    expect(logs.map(line => { try { return JSON.parse(line); } catch { return {}; } }).filter(record => record.level === 'WARN'))
      .toEqual([expect.objectContaining({ pipe: pipe.name, unspecified: 'enrichment-null-result' })]);
  } finally {
    ddb?.destroy();
    await local?.stop();
  }
});
