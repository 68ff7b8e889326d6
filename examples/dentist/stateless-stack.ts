import * as path from 'path';
import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { appointmentRequestSchema } from './api-model';
import { EnrichedStreamToQueue } from 'cdk-enriched-stream-to-queue';

/**
 * Properties of the stateless stack.
 */
export interface DentistStatelessStackProps extends StackProps {
  /** The appointments table; its stream feeds the pipe. */
  readonly appointments: dynamodb.ITable;
  /** The contacts table, read by the enrichment. */
  readonly contacts: dynamodb.ITable;
}

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

  constructor(scope: Construct, id: string, props: DentistStatelessStackProps) {
    super(scope, id, props);

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
    });

    this.api = this.bookingApi();

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the booking API' });
    new CfnOutput(this, 'RemindersQueueUrl', { value: this.reminders.queue.queueUrl, description: 'Queue of enriched appointments' });
    new CfnOutput(this, 'ContactsTableName', { value: props.contacts.tableName, description: 'Table to add contacts to' });

    NagSuppressions.addResourceSuppressions([this.createAppointment, this.getContactDetails], [{
      id: 'AwsSolutions-IAM4',
      reason: 'AWSLambdaBasicExecutionRole grants only log-stream creation and log writes, which every function needs.',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    }], true);
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
