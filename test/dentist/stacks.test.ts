import { App, Aspects, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DentistStatefulStack, removalPolicyFromContext } from '../../examples/dentist/stateful-stack';
import { DentistStatelessStack, type DentistStatelessStackProps } from '../../examples/dentist/stateless-stack';

const env = { account: '111111111111', region: 'eu-west-1' };

function synth(removalPolicy?: RemovalPolicy, statelessProps: Partial<DentistStatelessStackProps> = {}) {
  const app = new App();
  const stateful = new DentistStatefulStack(app, 'Stateful', { env, removalPolicy });
  const stateless = new DentistStatelessStack(app, 'Stateless', {
    env, appointments: stateful.appointments, contacts: stateful.contacts, ...statelessProps,
  });
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

  test.each([
    [undefined, RemovalPolicy.RETAIN],
    ['retain', RemovalPolicy.RETAIN],
    ['destroy', RemovalPolicy.DESTROY],
  ])('-c removalPolicy=%s gives %s', (value, policy) => {
    expect(removalPolicyFromContext(value)).toBe(policy);
  });

  test.each([
    ['bogus', '"bogus"'],
    ['DESTROY', '"DESTROY"'],
    ['', '""'],
    [true, 'true'],
    ['toString', '"toString"'],
  ])('-c removalPolicy=%p is refused with the allowed values', (value, shown) => {
    expect(() => removalPolicyFromContext(value)).toThrow(`Context removalPolicy must be one of: retain, destroy (got ${shown})`);
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

describe('alarms notify someone', () => {
  test('an SNS topic encrypted with a rotated customer managed key that CloudWatch alarms may use, TLS only', () => {
    const { statelessTemplate } = synthesized;
    const topics = statelessTemplate.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const [topicId, topic] = Object.entries(topics)[0] as [string, any];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = statelessTemplate.findResources('AWS::KMS::Key')[keyId] as any;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
      Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    }));
    const policy = Object.values(statelessTemplate.findResources('AWS::SNS::TopicPolicy'))[0] as any;
    expect(policy.Properties.Topics).toEqual([{ Ref: topicId }]);
    expect(policy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', expect.arrayContaining([':cloudwatch:eu-west-1:111111111111:alarm:*'])] } } },
      }),
    ]));
  });

  test('every alarm of the pipe notifies the topic', () => {
    const { statelessTemplate } = synthesized;
    const topicId = Object.keys(statelessTemplate.findResources('AWS::SNS::Topic'))[0];
    const alarms = Object.values(statelessTemplate.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  test('without alarmEmail nobody is subscribed; the topic ARN is an output to subscribe to', () => {
    const { statelessTemplate } = synthesized;
    statelessTemplate.resourceCountIs('AWS::SNS::Subscription', 0);
    statelessTemplate.hasOutput('AlarmTopicArn', { Value: { Ref: Match.stringLikeRegexp('AlarmTopic') } });
  });

  test('-c alarmEmail subscribes that address by email', () => {
    const { statelessTemplate } = synth(undefined, { alarmEmail: 'ops@example.com' });
    statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  test.each([
    ['not-an-email', '"not-an-email"'],
    ['', '""'],
    [42, '42'],
  ])('alarmEmail %p is refused naming the option', (value, shown) => {
    expect(() => synth(undefined, { alarmEmail: value as string })).toThrow(
      `alarmEmail (-c alarmEmail=...) must be an email address such as ops@example.com (got ${shown})`,
    );
  });

  test('a one-minute throttle of the contacts table cannot dead-letter a batch: 180 retries, records kept for up to an hour', () => {
    const pipe = Object.values(synthesized.statelessTemplate.findResources('AWS::Pipes::Pipe'))[0] as any;
    expect(pipe.Properties.SourceParameters.DynamoDBStreamParameters).toEqual(expect.objectContaining({
      MaximumRetryAttempts: 180,
      MaximumRecordAgeInSeconds: 3600,
    }));
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
