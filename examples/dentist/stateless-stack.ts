import * as path from 'path';
import { ArnFormat, CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { appointmentRequestSchema } from './api-model';
import { isValidEmail } from './src/appointment';
import { EnrichedStreamToQueue } from 'cdk-enriched-stream-to-queue';

/**
 * Properties of the stateless stack.
 */
export interface DentistStatelessStackProps extends StackProps {
  /** The appointments table; its stream feeds the pipe. */
  readonly appointments: dynamodb.ITable;
  /** The contacts table, read by the enrichment. */
  readonly contacts: dynamodb.ITable;
  /**
   * An email address that receives the alarms (`-c alarmEmail=ops@example.com`). SNS sends it a
   * confirmation message first; alarms reach it once the subscription is confirmed.
   *
   * @default - no subscription: subscribe to the `AlarmTopicArn` output yourself
   */
  readonly alarmEmail?: string;
}

/**
 * How the pipe retries a batch that the enrichment failed, chosen so that a one-minute throttle of
 * the contacts table delays reminders instead of dead-lettering whole batches:
 *
 * - Pipes retries a failing enrichment with no documented interval: "the pipe polling throughput will
 *   gradually back off" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html).
 *   The service defaults (-1: retry until the record expires after 24 hours) would let one poison
 *   record block its shard for a day
 *   (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html),
 *   and the construct's default of 3 retries would dead-letter a batch within seconds of a throttle.
 * - A throttled enrichment fails no faster than once a second: its DynamoDB client makes 3 attempts
 *   with backoff before it throws (src/dynamodb.ts). Even if the pipe retried at once every time, a
 *   one-minute throttle costs at most about 60 attempts; 180 leaves three times that margin.
 * - Retries the service makes for its own internal errors do not count against that number (same
 *   troubleshooting page), so the record age is what bounds the time: a record not delivered within
 *   an hour goes to the source dead-letter queue and raises the alarm, while the stream still holds
 *   it for the rest of its 24 hours, so it can be replayed. A reminder an hour late is still useful.
 */
export const REMINDER_MAXIMUM_RETRY_ATTEMPTS = 180;
export const REMINDER_MAXIMUM_RECORD_AGE = Duration.hours(1);

const HANDLERS = path.join(__dirname, 'src', 'handlers');

/**
 * Everything that can be redeployed at will: the booking API, the two functions, and the pipe that
 * turns each new booking into an enriched reminder message.
 */
export class DentistStatelessStack extends Stack {
  public readonly api: apigateway.RestApi;
  public readonly createAppointment: nodejs.NodejsFunction;
  public readonly getContactDetails: nodejs.NodejsFunction;
  public readonly reminders: EnrichedStreamToQueue;
  /** Every alarm of the pipe notifies this topic. */
  public readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: DentistStatelessStackProps) {
    super(scope, id, props);
    if (props.alarmEmail !== undefined && (typeof props.alarmEmail !== 'string' || !isValidEmail(props.alarmEmail))) {
      throw new Error(`alarmEmail (-c alarmEmail=...) must be an email address such as ops@example.com (got ${JSON.stringify(props.alarmEmail)})`);
    }
    this.alarmTopic = this.alarmTopicFor(props.alarmEmail);

    this.createAppointment = this.handler('CreateAppointment', 'create-appointment.ts', {
      TABLE_NAME: props.appointments.tableName,
    });
    // Writes new appointments and reads one back for an idempotent retry; nothing else.
    props.appointments.grant(this.createAppointment, 'dynamodb:PutItem', 'dynamodb:GetItem');

    this.getContactDetails = this.handler('GetContactDetails', 'get-contact-details.ts', {
      CONTACTS_TABLE_NAME: props.contacts.tableName,
    });
    // Reads contacts in batches; nothing else.
    props.contacts.grant(this.getContactDetails, 'dynamodb:BatchGetItem');

    this.reminders = new EnrichedStreamToQueue(this, 'Reminders', {
      table: props.appointments,
      enrichmentFunction: this.getContactDetails,
      maximumRetryAttempts: REMINDER_MAXIMUM_RETRY_ATTEMPTS,
      maximumRecordAge: REMINDER_MAXIMUM_RECORD_AGE,
      alarmActions: [new cloudwatchActions.SnsAction(this.alarmTopic)],
    });

    this.api = this.bookingApi();

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the booking API' });
    new CfnOutput(this, 'RemindersQueueUrl', { value: this.reminders.queue.queueUrl, description: 'Queue of enriched appointments' });
    new CfnOutput(this, 'ContactsTableName', { value: props.contacts.tableName, description: 'Table to add contacts to' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Topic that receives the pipe\'s alarms' });

    NagSuppressions.addResourceSuppressions([this.createAppointment, this.getContactDetails], [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaBasicExecutionRole grants only log-stream creation and log writes, which every function needs.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    }], true);
  }

  /**
   * An SNS topic for the alarms, encrypted with a customer managed key: CloudWatch alarms cannot
   * publish to a topic encrypted with the AWS managed key `alias/aws/sns`, whose policy cannot grant
   * CloudWatch kms:Decrypt and kms:GenerateDataKey
   * (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns). The topic policy, which
   * replaces the default one once the TLS-only statement is added, lets CloudWatch alarms of this
   * account and region publish (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
   */
  private alarmTopicFor(email: string | undefined): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the dentist reminders alarm topic',
      enableKeyRotation: true,
    });
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [cloudwatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Dentist reminders alarms',
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [cloudwatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) } },
    }));
    if (email !== undefined) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }

  private handler(id: string, file: string, environment: Record<string, string>): nodejs.NodejsFunction {
    return new nodejs.NodejsFunction(this, id, {
      entry: path.join(HANDLERS, file),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment,
      logGroup: new logs.LogGroup(this, `${id}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
      bundling: {
        minify: true,
        sourceMap: false,
        target: 'node22',
        // The Node.js 22 runtime provides AWS SDK v3: leave it out of the bundle.
        externalModules: ['@aws-sdk/*'],
      },
    });
  }

  private bookingApi(): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const api = new apigateway.RestApi(this, 'Api', {
      description: 'Dentist bookings',
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        // Errors only, and never request or response bodies: they hold patients' personal data.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        throttlingRateLimit: 10,
        throttlingBurstLimit: 20,
      },
    });

    const model = api.addModel('AppointmentRequest', {
      contentType: 'application/json',
      modelName: 'AppointmentRequest',
      schema: appointmentRequestSchema,
    });
    const validator = api.addRequestValidator('BodyValidator', { validateRequestBody: true, validateRequestParameters: true });

    api.root.addResource('appointments').addMethod('POST', new apigateway.LambdaIntegration(this.createAppointment), {
      requestModels: { 'application/json': model },
      requestValidator: validator,
    });

    NagSuppressions.addResourceSuppressions(api, [
      { id: 'AwsSolutions-APIG4', reason: 'Patients book without an account: the endpoint is public by design, guarded by the request model, the validator and stage throttling.' },
      { id: 'AwsSolutions-COG4', reason: 'Patients book without an account, so there is no Cognito user pool to authorize against.' },
      { id: 'AwsSolutions-APIG3', reason: 'The example leaves out AWS WAF to stay within the free tier; attach a web ACL to the prod stage for production (README).' },
      {
        id: 'AwsSolutions-IAM4',
        reason: 'The API Gateway account role uses the AWS managed policy made for pushing logs to CloudWatch, as API Gateway requires.',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
      },
    ], true);
    return api;
  }
}
