/**
 * The catch-all endpoint: with `AWS_ENDPOINT_URL` pointing at it, the unmodified SDK clients of
 * services that have no local endpoint fail with an error naming the service, in each protocol the
 * SDK parses (query XML for SNS, REST-XML for S3, JSON for DynamoDB and REST-JSON for Lambda), and the
 * per-service variables keep precedence (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { startCatchAllApi } from '../../../tools/emulator/catch-all/catch-all-api';
import { LocalService } from '../../../tools/emulator/support/service';

const SERVED = 'DynamoDB, SQS';
const VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_LAMBDA', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

describe('the catch-all endpoint, reached through AWS_ENDPOINT_URL', () => {
  let catchAll: LocalService;
  const logs: string[] = [];
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    catchAll = await startCatchAllApi({ served: ['DynamoDB', 'SQS'], log: (line) => logs.push(line) });
    for (const name of VARIABLES) saved[name] = process.env[name];
    Object.assign(process.env, { AWS_ENDPOINT_URL: catchAll.endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
    delete process.env.AWS_ENDPOINT_URL_LAMBDA;
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await catchAll.stop();
  });

  test('SNS (query protocol): the SDK throws an error naming SNS and the operation, and nothing is sent to AWS', async () => {
    const sns = new SNSClient({ maxAttempts: 1 });
    const error = await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:111111111111:reminders', Message: 'hi' })).catch((caught: Error) => caught);
    sns.destroy();

    expect(error).toMatchObject({
      name: 'NoLocalEndpoint',
      message: `SNS has no local endpoint in this run (Publish was not sent to AWS). This local run serves ${SERVED}; point AWS_ENDPOINT_URL_<SERVICE> at an emulator of your own to use another service.`,
      $metadata: { httpStatusCode: 400 },
    });
    expect(logs).toContain('[catch-all] refused SNS Publish: no local endpoint');
  });

  test('S3 (REST-XML): PutObject and ListBuckets fail with an error naming S3', async () => {
    const s3 = new S3Client({ maxAttempts: 1 });
    const put = await s3.send(new PutObjectCommand({ Bucket: 'invoices', Key: 'a.txt', Body: 'x' })).catch((caught: Error) => caught);
    const list = await s3.send(new ListBucketsCommand({})).catch((caught: Error) => caught);
    s3.destroy();

    expect(put).toMatchObject({ name: 'NoLocalEndpoint', message: expect.stringMatching(/^S3 has no local endpoint in this run \(PUT \/invoices\/a\.txt was not sent to AWS\)/) });
    expect(list).toMatchObject({ name: 'NoLocalEndpoint', message: expect.stringMatching(/^S3 has no local endpoint in this run/) });
  });

  test('a JSON-protocol service (DynamoDB, when its own variable is not set) fails with an error naming it', async () => {
    const dynamodb = new DynamoDBClient({ maxAttempts: 1 });
    const error = await dynamodb.send(new ListTablesCommand({})).catch((caught: Error) => caught);
    dynamodb.destroy();

    expect(error).toMatchObject({ name: 'NoLocalEndpoint', message: expect.stringMatching(/^DynamoDB has no local endpoint in this run \(ListTables was not sent to AWS\)/) });
  });

  test('a REST-JSON service (Lambda) fails with an error naming it; its own AWS_ENDPOINT_URL_LAMBDA takes precedence', async () => {
    const lambda = new LambdaClient({ maxAttempts: 1 });
    const error = await lambda.send(new InvokeCommand({ FunctionName: 'f' })).catch((caught: Error) => caught);
    lambda.destroy();
    expect(error).toMatchObject({ name: 'NoLocalEndpoint', message: expect.stringMatching(/^Lambda has no local endpoint in this run \(POST \/2015-03-31\/functions\/f\/invocations was not sent to AWS\)/) });

    process.env.AWS_ENDPOINT_URL_LAMBDA = 'http://127.0.0.1:9';
    const specific = new LambdaClient({ maxAttempts: 1 });
    const refused = await specific.send(new InvokeCommand({ FunctionName: 'f' })).catch((caught: Error) => caught);
    specific.destroy();
    delete process.env.AWS_ENDPOINT_URL_LAMBDA;
    // Port 9 (discard) has no listener: the client went there, not to the catch-all.
    expect((refused as Error).message).toContain('ECONNREFUSED 127.0.0.1:9');
  });
});
