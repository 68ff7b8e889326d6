import { request as httpRequest } from 'node:http';
import { DescribePipeCommand, DescribePipeResponse, NotFoundException, PipesClient } from '@aws-sdk/client-pipes';
import { startPipesApi } from '../../../tools/emulator/pipes/describe-pipe-api';
import { LocalService } from '../../../tools/emulator/support/service';
import { PipeDefinition } from '../../../tools/pipe/definition';
import { pipeFromDescribePipe, UnsupportedPipeError } from '../../../tools/pipe/from-describe-pipe';

const STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/Appointments/stream/2026-11-26T12:00:00.000';
const QUEUE_ARN = 'arn:aws:sqs:eu-west-1:123456789012:reminders';
const DLQ_ARN = 'arn:aws:sqs:eu-west-1:123456789012:reminders-source-dlq';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:get-contact-details';

/** Every field of the definition set, so a lost field shows up in the round trip. */
const FULL_PIPE: PipeDefinition = {
  name: 'DentistReminders.Pipe_1',
  arn: 'arn:aws:pipes:eu-west-1:123456789012:pipe/DentistReminders.Pipe_1',
  desiredState: 'RUNNING',
  source: {
    streamArn: STREAM_ARN,
    startingPosition: 'TRIM_HORIZON',
    batchSize: 10,
    maximumBatchingWindowSeconds: 1,
    maximumRetryAttempts: 3,
    maximumRecordAgeSeconds: 3600,
    onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
    parallelizationFactor: 2,
    deadLetterQueueArn: DLQ_ARN,
  },
  filterPatterns: ['{"eventName":["INSERT"]}', '{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"x":{"S":["y"]}}}}'],
  enrichment: { arn: FUNCTION_ARN, inputTemplate: '{"record": <$>}' },
  target: { queueArn: `${QUEUE_ARN}.fifo`, inputTemplate: '<$.id>', messageGroupId: '$.id', messageDeduplicationId: '$.eventID' },
};

/** The least a pipe can have. */
const BARE_PIPE: PipeDefinition = {
  name: 'bare',
  desiredState: 'STOPPED',
  source: {
    streamArn: STREAM_ARN,
    startingPosition: 'LATEST',
    batchSize: 1,
    maximumBatchingWindowSeconds: 0,
    maximumRetryAttempts: -1,
    maximumRecordAgeSeconds: -1,
    parallelizationFactor: 1,
  },
  filterPatterns: [],
  target: { queueArn: QUEUE_ARN },
};

const ENV = ['AWS_ENDPOINT_URL_PIPES', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

describe('the local Pipes API read through the unmodified SDK PipesClient', () => {
  let api: LocalService;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    api = await startPipesApi([FULL_PIPE, BARE_PIPE]);
    for (const key of ENV) saved[key] = process.env[key];
    // The SDK's standard variables, exactly as a user sets them; the client gets no endpoint option.
    process.env.AWS_ENDPOINT_URL_PIPES = api.endpoint;
    process.env.AWS_REGION = 'eu-west-1';
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
  });

  afterAll(async () => {
    for (const key of ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await api.stop();
  });

  test('listens on 127.0.0.1 only', () => {
    expect(api.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('DescribePipe returns the pipe, and pipeFromDescribePipe turns it back into the same definition', async () => {
    const client = new PipesClient({});
    const response = await client.send(new DescribePipeCommand({ Name: FULL_PIPE.name }));
    expect(response.Name).toBe(FULL_PIPE.name);
    expect(response.CurrentState).toBe('RUNNING');
    expect(response.CreationTime).toBeInstanceOf(Date);
    expect(pipeFromDescribePipe(response)).toEqual(FULL_PIPE);
  });

  test('a pipe without an ARN gets one in its stream\'s partition, region and account; defaults survive the round trip', async () => {
    const response = await new PipesClient({}).send(new DescribePipeCommand({ Name: 'bare' }));
    expect(response.Arn).toBe('arn:aws:pipes:eu-west-1:123456789012:pipe/bare');
    expect(pipeFromDescribePipe(response)).toEqual({ ...BARE_PIPE, arn: 'arn:aws:pipes:eu-west-1:123456789012:pipe/bare' });
  });

  test('an unknown pipe name is the SDK\'s NotFoundException', async () => {
    const attempt = new PipesClient({}).send(new DescribePipeCommand({ Name: 'no-such-pipe' }));
    await expect(attempt).rejects.toBeInstanceOf(NotFoundException);
    await expect(new PipesClient({}).send(new DescribePipeCommand({ Name: 'no-such-pipe' }))).rejects.toThrow('Pipe no-such-pipe does not exist.');
  });

  test('a web page (Origin), an unsigned request or another host name is refused before the pipe is described', async () => {
    const port = Number(new URL(api.endpoint).port);
    const get = (headers: Record<string, string>) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: `/v1/pipes/${FULL_PIPE.name}`, headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      request.on('error', reject);
      request.end();
    });
    const signed = 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/pipes/aws4_request, SignedHeaders=host, Signature=0';

    expect(await get({ Authorization: signed, Origin: 'https://evil.example' })).toEqual({ status: 403, body: JSON.stringify({ message: 'This local endpoint answers AWS SDK and CLI requests only; a request from a web page (Origin https://evil.example) is refused.' }) });
    expect(await get({})).toEqual({ status: 403, body: JSON.stringify({ message: 'This local endpoint answers signed AWS SDK and CLI requests only; this request has no Authorization header.' }) });
    expect((await get({ Authorization: signed, Host: `rebound.example:${port}` })).status).toBe(421);
    const served = await get({ Authorization: signed, Host: `localhost:${port}` });
    expect(served.status).toBe(200);
    expect(JSON.parse(served.body).Name).toBe(FULL_PIPE.name);
  });

  test('refuses two pipes with one name', async () => {
    await expect(startPipesApi([BARE_PIPE, BARE_PIPE])).rejects.toThrow('Two pipes are named bare; pipe names are unique in an account and region');
  });
});

describe('pipeFromDescribePipe refuses what the replay cannot execute', () => {
  const base: DescribePipeResponse = {
    Name: 'p',
    DesiredState: 'RUNNING',
    Source: STREAM_ARN,
    SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 5 } },
    Target: QUEUE_ARN,
  };

  test('a minimal response reads with the Pipes API\'s documented defaults', () => {
    expect(pipeFromDescribePipe(base).source).toEqual({
      streamArn: STREAM_ARN,
      startingPosition: 'LATEST',
      batchSize: 5,
      maximumBatchingWindowSeconds: 0,
      maximumRetryAttempts: -1,
      maximumRecordAgeSeconds: -1,
      parallelizationFactor: 1,
    });
  });

  test('a missing BatchSize is refused, as the local runner refuses it: AWS documents no default to honour', () => {
    expect(() => pipeFromDescribePipe({ ...base, SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST' } } })).toThrow(
      'Pipe p: SourceParameters.DynamoDBStreamParameters.BatchSize must be set: AWS documents no default for a DynamoDB stream source; set 1 to 10 for an SQS target');
  });

  test.each<[string, DescribePipeResponse, string]>([
    ['a response without a name', { ...base, Name: undefined }, 'DescribePipe returned no Name'],
    ['a Kinesis source', { ...base, Source: 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders' },
      'Pipe p: Source "arn:aws:kinesis:eu-west-1:123456789012:stream/orders" is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>); only pipes with a DynamoDB stream source can be executed'],
    ['an SQS source', { ...base, Source: QUEUE_ARN }, `Pipe p: Source "${QUEUE_ARN}" is not a DynamoDB stream ARN`],
    ['no DynamoDBStreamParameters', { ...base, SourceParameters: {} }, 'Pipe p: SourceParameters.DynamoDBStreamParameters is missing'],
    ['an EventBridge bus target', { ...base, Target: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' },
      'Pipe p: Target "arn:aws:events:eu-west-1:123456789012:event-bus/default" is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>); only SQS targets can be executed'],
    ['a Lambda target', { ...base, Target: FUNCTION_ARN }, `Pipe p: Target "${FUNCTION_ARN}" is not an SQS queue ARN`],
    ['a Step Functions enrichment', { ...base, Enrichment: 'arn:aws:states:eu-west-1:123456789012:stateMachine:enrich' },
      'Pipe p: Enrichment "arn:aws:states:eu-west-1:123456789012:stateMachine:enrich" is not a Lambda function ARN; only Lambda enrichments can be executed'],
    ['an API destination enrichment', { ...base, Enrichment: 'arn:aws:events:eu-west-1:123456789012:api-destination/contacts/abc' },
      'is not a Lambda function ARN; only Lambda enrichments can be executed'],
    ['HttpParameters on a Lambda enrichment', { ...base, Enrichment: FUNCTION_ARN, EnrichmentParameters: { HttpParameters: { HeaderParameters: { a: 'b' } } } },
      'Pipe p: EnrichmentParameters.HttpParameters is set; it applies to API destination enrichments, which cannot be executed'],
    ['enrichment parameters without an enrichment', { ...base, EnrichmentParameters: { InputTemplate: '{}' } }, 'Pipe p: EnrichmentParameters are set but there is no Enrichment'],
    ['a deleting pipe', { ...base, DesiredState: 'DELETED' }, 'Pipe p: DesiredState is DELETED (the pipe is being deleted)'],
    ['an unknown starting position', { ...base, SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'AT_TIMESTAMP' as 'LATEST' } } },
      'Pipe p: SourceParameters.DynamoDBStreamParameters.StartingPosition "AT_TIMESTAMP" is not LATEST or TRIM_HORIZON'],
    ['a batch size above what an SQS target takes', { ...base, SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 11 } } },
      'Pipe p: SourceParameters.DynamoDBStreamParameters.BatchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got 11'],
    ['retries below -1', { ...base, SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 10, MaximumRetryAttempts: -2 } } },
      'Pipe p: SourceParameters.DynamoDBStreamParameters.MaximumRetryAttempts must be -1 (infinite) or an integer from 0 to 10000, got -2'],
    ['a record age below 60 s (the local runner refuses it too)', { ...base, SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 10, MaximumRecordAgeInSeconds: 30 } } },
      'Pipe p: SourceParameters.DynamoDBStreamParameters.MaximumRecordAgeInSeconds must be -1 (infinite) or a whole number of seconds from 60 to 604800, got 30 seconds'],
    ['a dead-letter target that is not a queue', { ...base, SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 10, DeadLetterConfig: { Arn: 'arn:aws:sns:eu-west-1:123456789012:dlq' } } } },
      'Pipe p: SourceParameters.DynamoDBStreamParameters.DeadLetterConfig.Arn "arn:aws:sns:eu-west-1:123456789012:dlq" is not an SQS queue ARN'],
    ['a filter pattern that is not JSON', { ...base, SourceParameters: { ...base.SourceParameters, FilterCriteria: { Filters: [{ Pattern: '{eventName' }] } } },
      'Pipe p: SourceParameters.FilterCriteria.Filters[0].Pattern is not JSON'],
    ['target parameters of another target kind', { ...base, TargetParameters: { LambdaFunctionParameters: { InvocationType: 'FIRE_AND_FORGET' } } },
      'Pipe p: TargetParameters.LambdaFunctionParameters set for an SQS target; only SqsQueueParameters and InputTemplate apply'],
  ])('%s', (_label, response, message) => {
    expect(() => pipeFromDescribePipe(response)).toThrow(UnsupportedPipeError);
    expect(() => pipeFromDescribePipe(response)).toThrow(message);
  });

  test('accepts a Lambda enrichment addressed by alias', () => {
    expect(pipeFromDescribePipe({ ...base, Enrichment: `${FUNCTION_ARN}:live` }).enrichment).toEqual({ arn: `${FUNCTION_ARN}:live` });
  });
});
