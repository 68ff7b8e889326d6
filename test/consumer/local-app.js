// A consumer's app for `npx cdk-enriched-stream-to-queue local`: the README's minimal shape, with
// inline code for the enrichment and an unrelated Python function that no pipe or API calls (local
// lists it as not started instead of refusing the app). Run by smoke.sh through cdk.json's "app".
const { App, Stack } = require('aws-cdk-lib');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const lambda = require('aws-cdk-lib/aws-lambda');
const { EnrichedStreamToQueue } = require('cdk-enriched-stream-to-queue');

const app = new App();
const stack = new Stack(app, 'Minimal', { env: { account: '111111111111', region: 'eu-west-1' } });
const table = new dynamodb.TableV2(stack, 'Table', {
  partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
});
const enrich = new lambda.Function(stack, 'Enrich', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async (records) => records.map((r) => ({ id: r.dynamodb.Keys.id.S }));'),
});
const pipeline = new EnrichedStreamToQueue(stack, 'Reminders', { table, enrichmentFunction: enrich });
const report = new lambda.Function(stack, 'Report', {
  runtime: lambda.Runtime.PYTHON_3_12,
  handler: 'index.handler',
  code: lambda.Code.fromInline('def handler(event, context):\n    return None\n'),
});
pipeline.queue.grantConsumeMessages(report);
app.synth();
