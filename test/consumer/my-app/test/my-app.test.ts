// The app's template, as the consumer tests it: what the pipe reads, keeps, retries and where it
// delivers, and the queues' safety.
import { Match, Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib/core';
import { MyAppStack } from '../lib/my-app-stack';

const template = Template.fromStack(new MyAppStack(new App(), 'MyTestStack'));

test('one pipe reads the appointments stream, keeps INSERTs, enriches, and retries 3 times before its dead-letter queue', () => {
  template.resourceCountIs('AWS::Pipes::Pipe', 1);
  template.hasResourceProperties('AWS::Pipes::Pipe', {
    Source: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Appointments'), 'StreamArn'] },
    Enrichment: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Enrich'), 'Arn'] },
    SourceParameters: {
      FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"]}' }] },
      DynamoDBStreamParameters: Match.objectLike({ MaximumRetryAttempts: 3, DeadLetterConfig: { Arn: Match.anyValue() } }),
    },
  });
});

test('every queue is encrypted at rest and refuses requests without TLS', () => {
  const queues = template.findResources('AWS::SQS::Queue');
  expect(Object.keys(queues)).toHaveLength(3);
  for (const queue of Object.values(queues)) {
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  }
  template.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
    },
  }, 3);
});

test('the enrichment is bundled for Node.js 22', () => {
  template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Handler: 'index.handler' });
});
