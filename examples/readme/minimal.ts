import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnrichedStreamToQueue } from 'cdk-enriched-stream-to-queue';

export function addReminders(stack: Stack, enrich: lambda.IFunction) {
  const appointments = new dynamodb.TableV2(stack, 'Appointments', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
  });

  // INSERT records -> enrich -> encrypted queue, with dead-letter queues and alarms.
  const reminders = new EnrichedStreamToQueue(stack, 'Reminders', {
    table: appointments,
    enrichmentFunction: enrich,
  });
  reminders.queue.grantConsumeMessages(new lambda.Function(stack, 'Sender', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  }));
}
