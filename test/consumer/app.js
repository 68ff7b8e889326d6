// A consumer's CDK app in plain JavaScript, using the library as installed from its npm tarball.
// Run by smoke.sh in a temporary directory; exits non-zero when anything is missing.
const assert = require('assert');
const { App, Stack } = require('aws-cdk-lib');
const { Template } = require('aws-cdk-lib/assertions');
const dynamodb = require('aws-cdk-lib/aws-dynamodb');
const lambda = require('aws-cdk-lib/aws-lambda');
const { EnrichedStreamToQueue, DynamoDBStreamFilter, testing } = require('cdk-enriched-stream-to-queue');
const { EventPattern, DynamoDBStreamRecord } = testing;

const app = new App();
const stack = new Stack(app, 'Consumer', { env: { account: '111111111111', region: 'eu-west-1' } });
const table = new dynamodb.TableV2(stack, 'Table', {
  partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
});
const enrich = new lambda.Function(stack, 'Enrich', {
  runtime: lambda.Runtime.NODEJS_22_X,
  handler: 'index.handler',
  code: lambda.Code.fromInline('exports.handler = async (records) => records;'),
});
const pipeline = new EnrichedStreamToQueue(stack, 'Pipeline', { table, enrichmentFunction: enrich });

const template = Template.fromStack(stack);
template.resourceCountIs('AWS::Pipes::Pipe', 1);
template.resourceCountIs('AWS::SQS::Queue', 3);
assert.ok(pipeline.sourceDeadLetterQueue && pipeline.targetDeadLetterQueue && pipeline.pipeRole);

// The offline filter helpers work from JavaScript too.
const insert = DynamoDBStreamRecord.insert({ id: 'a1', email: 'ada@example.com' });
assert.strictEqual(EventPattern.filterMatches(DynamoDBStreamFilter.inserts(), insert), true);

app.synth();
console.log(`synthesized with aws-cdk-lib ${require('aws-cdk-lib/package.json').version}`);
