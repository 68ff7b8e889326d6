/**
 * Where the AWS pages document a behaviour and the local runner used to differ (issue 15). Each test
 * runs on real parts (DynamoDB Local, fauxqs, the local Lambda service, test/engine/harness.ts), names
 * the page it follows, and failed on the runner before the fix.
 */
import { functionArn, Harness, REGION, startHarness } from './harness';
import { startPipeRunner } from '../../tools/engine/runner';

jest.setTimeout(90_000);

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

beforeEach(() => h.resetCalls());

// "Records carry eventSourceARN = the pipe's Source (the stack's region and account), awsRegion = that
// region": the Pipes DynamoDB page's sample event carries `eventSourceARN` and `awsRegion`
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html), and the Lambda
// DynamoDB event names the stream ARN in `eventSourceARN` (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html).
// In AWS the stream ARN is the pipe's Source; DynamoDB Local names its streams
// arn:aws:dynamodb:ddblocal:000000000000:..., which must not reach the user's code.
describe('ARNs as in AWS', () => {
  test('records, and the dead-letter message, name the pipe\'s Source and its region, never DynamoDB Local\'s ARN', async () => {
    const table = await h.table();
    // Another region than the clients' (eu-west-1), so that awsRegion can only come from the Source.
    const streamArn = table.streamArn.replace(`:${REGION}:`, ':eu-central-1:');
    const target = await h.queue('arn-target');
    const dlq = await h.queue('arn-dlq');
    const pipe = h.definition(streamArn, target.arn, {
      enrichment: { arn: functionArn('fail') },
      source: { maximumRetryAttempts: 0, deadLetterQueueArn: dlq.arn },
    });
    const runner = await startPipeRunner({ pipe });
    try {
      await h.put(table.name, 'a');
      await runner.idle();
      const [[record]] = h.calls('fail');
      expect(record).toMatchObject({ eventSourceARN: streamArn, awsRegion: 'eu-central-1' });
      const [dead] = await h.drain(dlq.url, 1);
      const body = JSON.parse(dead.Body!);
      expect(body.DDBStreamBatchInfo.streamArn).toBe(streamArn);
      expect(body.context.partnerResourceArn).toBe(pipe.arn);
      expect(`${JSON.stringify(h.calls('fail'))}${dead.Body}`).not.toMatch(/ddblocal|:000000000000:/);
    } finally {
      await runner.stop();
    }
  });
});
