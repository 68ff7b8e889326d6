import { App, Aspects, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DentistStatefulStack } from '../../examples/dentist/stateful-stack';
import { DentistStatelessStack } from '../../examples/dentist/stateless-stack';

const env = { account: '111111111111', region: 'eu-west-1' };

function synth(removalPolicy?: RemovalPolicy) {
  const app = new App();
  const stateful = new DentistStatefulStack(app, 'Stateful', { env, removalPolicy });
  const stateless = new DentistStatelessStack(app, 'Stateless', { env, appointments: stateful.appointments, contacts: stateful.contacts });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { stateful, stateless, statefulTemplate: Template.fromStack(stateful), statelessTemplate: Template.fromStack(stateless) };
}

// Bundling two functions with esbuild costs ~100 ms; synthesize once for the read-only assertions.
const synthesized = synth();

/** The statements of the IAM policies attached to the role of the given function. */
function policyStatementsOf(template: Template, functionLogicalIdPrefix: string): any[] {
  const fn = Object.entries(template.findResources('AWS::Lambda::Function'))
    .find(([logicalId]) => logicalId.startsWith(functionLogicalIdPrefix))![1] as any;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('stateful stack', () => {
  test('appointments: key id, a stream of new images, point-in-time recovery, retained', () => {
    const { statefulTemplate } = synthesized;
    statefulTemplate.hasResource('AWS::DynamoDB::GlobalTable', {
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('contacts: key id (the email), point-in-time recovery, no stream', () => {
    const { statefulTemplate } = synthesized;
    statefulTemplate.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
    statefulTemplate.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: Match.absent(),
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  test('a user can make the tables deletable for an experiment', () => {
    const { statefulTemplate } = synth(RemovalPolicy.DESTROY);
    expect(Object.values(statefulTemplate.findResources('AWS::DynamoDB::GlobalTable')).map((r: any) => r.DeletionPolicy)).toEqual(['Delete', 'Delete']);
  });
});

describe('stateless stack', () => {
  test('POST /appointments validates the body against the model before the function runs', () => {
    const { statelessTemplate } = synthesized;
    statelessTemplate.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    statelessTemplate.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({
        required: ['appointment'],
        properties: { appointment: Match.objectLike({ required: ['patient', 'dentist', 'date', 'time'], additionalProperties: false }) },
      }),
    });
    statelessTemplate.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestValidatorId: { Ref: Match.stringLikeRegexp('BodyValidator') },
      RequestModels: { 'application/json': { Ref: Match.stringLikeRegexp('AppointmentRequest') } },
    });
  });

  test('the stage logs access, throttles, and never logs bodies', () => {
    const { statelessTemplate } = synthesized;
    statelessTemplate.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: [Match.objectLike({ LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 })],
    });
  });

  test('both functions run on Node.js 22 with the table names in their environment', () => {
    const { statelessTemplate } = synthesized;
    statelessTemplate.resourceCountIs('AWS::Lambda::Function', 2);
    statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: { Variables: { TABLE_NAME: Match.anyValue() } },
    });
    statelessTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Environment: { Variables: { CONTACTS_TABLE_NAME: Match.anyValue() } },
    });
  });

  test('the pipe reads the appointments stream, keeps INSERTs, enriches with get-contact-details, and sends to the queue', () => {
    const { statelessTemplate } = synthesized;
    const pipe = Object.values(statelessTemplate.findResources('AWS::Pipes::Pipe'))[0] as any;
    expect(JSON.stringify(pipe.Properties.Source)).toContain('StreamArn');
    expect(JSON.parse(pipe.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern)).toEqual({ eventName: ['INSERT'] });
    expect(pipe.Properties.Enrichment).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^GetContactDetails/), 'Arn'] });
    expect(pipe.Properties.Target).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RemindersQueue/), 'Arn'] });
  });

  test('the booking function may only put and get appointments', () => {
    const statements = policyStatementsOf(synthesized.statelessTemplate, 'CreateAppointment');
    expect(statements).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
      Resource: { 'Fn::ImportValue': expect.stringMatching(/Appointments.*Arn/) },
    })]);
  });

  test('the enrichment function may only batch-read contacts', () => {
    const statements = policyStatementsOf(synthesized.statelessTemplate, 'GetContactDetails');
    expect(statements).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: 'dynamodb:BatchGetItem',
      Resource: { 'Fn::ImportValue': expect.stringMatching(/Contacts.*Arn/) },
    })]);
  });
});

test('cdk-nag AwsSolutions finds no unsuppressed error or warning in either stack', () => {
  const { stateful, stateless } = synthesized;
  for (const stack of [stateful, stateless]) {
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((f) => `${f.id}: ${f.entry.data}`)).toEqual([]);
  }
});
