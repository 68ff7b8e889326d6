import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as sources from '@aws-cdk/aws-pipes-sources-alpha';
import { App, Aspects, CfnParameter, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { AttributeCondition, DynamoDBEventName, DynamoDBStreamFilter, EnrichedStreamToQueue, EnrichedStreamToQueueProps, LambdaEnrichment } from '../src';

const fixtureFn = lambda.Function.fromFunctionArn(new Stack(), 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:enrich');

interface Fixture {
  readonly stack: Stack;
  readonly table: dynamodb.Table;
  readonly fn: lambda.IFunction;
}

function fixture(): Fixture {
  const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    stream: dynamodb.StreamViewType.NEW_IMAGE,
    pointInTimeRecovery: true,
  });
  const fn = lambda.Function.fromFunctionArn(stack, 'Enrich', 'arn:aws:lambda:eu-west-1:111111111111:function:enrich');
  return { stack, table, fn };
}

/** The error the construct at `path` throws, `<path>: <message>`, matched exactly. */
function constructError(message: string, path = 'Test/Pipeline'): Error {
  return new Error(`${path}: ${message}`);
}

function build(props: Partial<EnrichedStreamToQueueProps> = {}, f: Fixture = fixture()) {
  const construct = new EnrichedStreamToQueue(f.stack, 'Pipeline', { table: f.table, enrichmentFunction: f.fn, ...props });
  return { ...f, construct, template: Template.fromStack(f.stack) };
}

function pipeProps(template: Template): any {
  const pipesFound = template.findResources('AWS::Pipes::Pipe');
  expect(Object.keys(pipesFound)).toHaveLength(1);
  return Object.values(pipesFound)[0].Properties;
}

/** All IAM statements attached to the pipe's role. */
function roleStatements(template: Template): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('default wiring', () => {
  test('reads the stream from LATEST with a finite retry count, bisecting, and a source dead-letter queue', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Table'), 'StreamArn'] },
      SourceParameters: {
        DynamoDBStreamParameters: {
          StartingPosition: 'LATEST',
          BatchSize: 10,
          MaximumRetryAttempts: 3,
          OnPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineSourceDeadLetterQueue'), 'Arn'] } },
          MaximumRecordAgeInSeconds: Match.absent(),
          ParallelizationFactor: Match.absent(),
        },
      },
    });
  });

  test('routes only INSERT records by default, as an exact eventName match', () => {
    const { template } = build();

    const props = pipeProps(template);
    expect(props.SourceParameters.FilterCriteria.Filters).toHaveLength(1);
    expect(JSON.parse(props.SourceParameters.FilterCriteria.Filters[0].Pattern)).toEqual({ eventName: ['INSERT'] });
  });

  test('enriches with the function and sends to a created queue', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Enrichment: 'arn:aws:lambda:eu-west-1:111111111111:function:enrich',
      Target: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineQueue'), 'Arn'] },
      DesiredState: Match.absent(),
    });
  });

  test('creates three encrypted queues: target, its dead-letter queue, and the source dead-letter queue', () => {
    const { template } = build();

    template.resourceCountIs('AWS::SQS::Queue', 3);
    template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineDeadLetterQueue'), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    // Both dead-letter queues keep their messages for the longest time SQS allows.
    const dlqs = template.findResources('AWS::SQS::Queue', { Properties: { MessageRetentionPeriod: 1209600 } });
    expect(Object.keys(dlqs).sort()).toEqual([
      expect.stringMatching(/^PipelineDeadLetterQueue/),
      expect.stringMatching(/^PipelineSourceDeadLetterQueue/),
    ]);
  });

  test('refuses plain-HTTP access to every created queue', () => {
    const { template } = build();

    template.resourceCountIs('AWS::SQS::QueuePolicy', 3);
    template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        })]),
      },
    });
  });

  test('logs errors to a log group kept for one month, without execution data', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      LogConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: Match.absent(),
        CloudwatchLogsLogDestination: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineLogGroup'), 'Arn'] } },
      },
    });
  });

  test('the pipe depends on its role\'s policy, so it never starts without permissions', () => {
    const { template } = build();

    const pipe = Object.values(template.findResources('AWS::Pipes::Pipe'))[0] as any;
    const policyIds = Object.keys(template.findResources('AWS::IAM::Policy'));
    expect(policyIds).toHaveLength(1);
    expect(pipe.DependsOn).toEqual(expect.arrayContaining([policyIds[0]]));
  });

  test('exposes the pipe, queues, role and log group', () => {
    const { construct, stack } = build();

    expect(construct.pipe).toBeInstanceOf(pipes.Pipe);
    expect(stack.resolve(construct.queue.queueArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineQueue/), 'Arn'] });
    expect(stack.resolve(construct.targetDeadLetterQueue!.queueArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineDeadLetterQueue/), 'Arn'] });
    expect(stack.resolve(construct.sourceDeadLetterQueue.queueArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineSourceDeadLetterQueue/), 'Arn'] });
    expect(stack.resolve(construct.pipeRole.roleArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineRole/), 'Arn'] });
    expect(construct.logGroup).toBeDefined();
  });
});

describe('least privilege', () => {
  test('the role is assumable only by EventBridge Pipes of this account', () => {
    const { template } = build();

    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'pipes.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        }],
      },
    });
  });

  test('grants exactly stream read, enrichment invoke, queue send and log write, with no wildcard action', () => {
    const { template } = build();

    const statements = roleStatements(template);
    const actionsOf = (s: any) => ([] as string[]).concat(s.Action);
    expect(statements.flatMap(actionsOf).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'sqs:SendMessage',
    ]);
    expect(statements.flatMap(actionsOf).filter((a) => a.includes('*'))).toEqual([]);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:eu-west-1:111111111111:function:enrich' }),
      expect.objectContaining({ Action: 'dynamodb:ListStreams', Resource: '*' }),
    ]));
  });

  test('with a KMS key, the role gets only GenerateDataKey and Decrypt on it', () => {
    const f = fixture();
    const key = new kms.Key(f.stack, 'Key');
    const { template } = build({ encryptionKey: key }, f);

    template.allResourcesProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    const kmsStatements = roleStatements(template).filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('kms:')));
    // The grants for the target queue and the source dead-letter queue are one and the same statement.
    expect(kmsStatements).toEqual([
      expect.objectContaining({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] } }),
    ]);
  });

  test('cdk-nag AwsSolutions finds no unsuppressed error or warning with the defaults', () => {
    const f = fixture();
    Aspects.of(f.stack).add(new AwsSolutionsChecks({ verbose: true }));
    build({}, f);

    const annotations = Annotations.fromStack(f.stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    expect(findings.map((e) => `${e.id}: ${e.entry.data}`)).toEqual([]);
  });

  test('each suppression inside the construct names a rule and gives a specific reason', () => {
    const { template } = build();

    const suppressed = Object.values(template.toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressed.map((s: any) => s.id).sort()).toEqual(['AwsSolutions-IAM5', 'AwsSolutions-SQS3']);
    for (const s of suppressed) {
      expect(s.reason.length).toBeGreaterThan(60);
    }
    expect(suppressed.find((s: any) => s.id === 'AwsSolutions-IAM5').applies_to).toEqual(['Resource::*']);
  });
});

describe('tables', () => {
  test('reads the stream of a TableV2 with dynamoStream', () => {
    const f = fixture();
    const table = new dynamodb.TableV2(f.stack, 'TableV2', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
    const { template } = build({ table }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', { Source: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TableV2'), 'StreamArn'] } });
  });

  test('reads the stream of an imported table', () => {
    const f = fixture();
    const streamArn = 'arn:aws:dynamodb:eu-west-1:111111111111:table/imported/stream/2026-01-01T00:00:00.000';
    const table = dynamodb.Table.fromTableAttributes(f.stack, 'Imported', { tableName: 'imported', tableStreamArn: streamArn });
    const { template } = build({ table }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', { Source: streamArn });
    expect(roleStatements(template)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: streamArn }),
    ]));
  });

  test.each([
    ['a Table', (f: Fixture) => new dynamodb.Table(f.stack, 'KeysOnly', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.KEYS_ONLY })],
    ['a TableV2', (f: Fixture) => new dynamodb.TableV2(f.stack, 'KeysOnlyV2', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, dynamoStream: dynamodb.StreamViewType.KEYS_ONLY })],
  ])('warns when %s streams keys only: the enrichment would see no new image', (_kind, makeTable) => {
    const f = fixture();
    build({ table: makeTable(f) }, f);

    Annotations.fromStack(f.stack).hasWarning('/Test/Pipeline', Match.stringLikeRegexp('stream view type is KEYS_ONLY: records carry no new image'));
  });

  test('does not warn for a stream with new images', () => {
    const { stack } = build();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('stream view type'))).toEqual([]);
  });

  const noStream = 'table must have a stream: set \'stream\' on a Table, \'dynamoStream\' on a TableV2, or \'tableStreamArn\' when importing a table';

  test('refuses a Table without a stream', () => {
    const f = fixture();
    const table = new dynamodb.Table(f.stack, 'NoStream', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    expect(() => build({ table }, f)).toThrow(constructError(noStream));
  });

  test('refuses a TableV2 made without dynamoStream, although its tableStreamArn is a token', () => {
    const f = fixture();
    const table = new dynamodb.TableV2(f.stack, 'NoStreamV2', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    expect(table.tableStreamArn).toBeDefined();
    expect(() => build({ table }, f)).toThrow(constructError(noStream));
  });

  test('refuses an imported table without tableStreamArn', () => {
    const f = fixture();
    const table = dynamodb.Table.fromTableName(f.stack, 'ImportedNoStream', 'imported');
    expect(() => build({ table }, f)).toThrow(constructError(noStream));
  });
});

describe('enrichment', () => {
  test('refuses both enrichmentFunction and enrichment', () => {
    const f = fixture();
    expect(() => build({ enrichment: new LambdaEnrichment(f.fn) }, f)).toThrow(constructError('enrichmentFunction or enrichment must be given (exactly one of them), got both'));
  });

  test('refuses neither enrichmentFunction nor enrichment', () => {
    const f = fixture();
    expect(() => new EnrichedStreamToQueue(f.stack, 'P', { table: f.table })).toThrow(constructError('enrichmentFunction or enrichment must be given (exactly one of them), got neither', 'Test/P'));
  });

  test('a LambdaEnrichment passes its input transformation to the pipe', () => {
    const f = fixture();
    const { template } = build({
      enrichmentFunction: undefined,
      enrichment: new LambdaEnrichment(f.fn, { inputTransformation: pipes.InputTransformation.fromObject({ id: '<$.dynamodb.Keys.id.S>' }) }),
    }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Enrichment: 'arn:aws:lambda:eu-west-1:111111111111:function:enrich',
      EnrichmentParameters: { InputTemplate: '{"id":<$.dynamodb.Keys.id.S>}' },
    });
  });

  test('accepts any IEnrichment and lets it grant its own permissions', () => {
    const f = fixture();
    const custom: pipes.IEnrichment = {
      enrichmentArn: 'arn:aws:states:eu-west-1:111111111111:stateMachine:enrich',
      bind: () => ({ enrichmentParameters: {} }),
      grantInvoke: (role) => role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['states:StartSyncExecution'],
        resources: ['arn:aws:states:eu-west-1:111111111111:stateMachine:enrich'],
      })),
    };
    const { template } = build({ enrichmentFunction: undefined, enrichment: custom }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', { Enrichment: 'arn:aws:states:eu-west-1:111111111111:stateMachine:enrich' });
    expect(roleStatements(template)).toEqual(expect.arrayContaining([expect.objectContaining({ Action: 'states:StartSyncExecution' })]));
  });
});

describe('filter', () => {
  test('a custom filter replaces the default', () => {
    const filter = new pipes.Filter([pipes.FilterPattern.fromObject({ eventName: ['MODIFY'] })]);
    const { template } = build({ filter });

    const props = pipeProps(template);
    expect(props.SourceParameters.FilterCriteria.Filters.map((x: any) => JSON.parse(x.Pattern))).toEqual([{ eventName: ['MODIFY'] }]);
  });

  test('refuses a filter that EventBridge Pipes would reject, naming the problem', () => {
    const filter = new pipes.Filter([pipes.FilterPattern.fromObject({ eventName: [{ wildcard: 'INS*' }] })]);
    expect(() => build({ filter })).toThrow(constructError(
      'filter must hold patterns EventBridge Pipes accepts, got a problem:\n  filters[0]: eventName: the "wildcard" operator is not supported by EventBridge Pipes filters'));
  });

  test('refuses a filter that could never match a stream record, naming the attribute', () => {
    const filter = new pipes.Filter([pipes.FilterPattern.fromObject({ dynamodb: { NewImage: { email: ['ada@example.com'] } } })]);
    expect(() => build({ filter })).toThrow(constructError('filter must be able to match a record of the table\'s stream, got a pattern that never matches:\n'
      + '  filters[0]: dynamodb.NewImage.email: never matches: DynamoDB attribute values are typed objects such as {"S": ...}; '
      + 'put the match list under the type key (e.g. dynamodb.NewImage.email.S)'));
  });

  test('refuses more than five filter patterns', () => {
    const filter = new pipes.Filter([1, 2, 3, 4, 5, 6].map((n) => pipes.FilterPattern.fromObject({ eventName: [`E${n}`] })));
    expect(() => build({ filter })).toThrow(constructError('filter must hold patterns EventBridge Pipes accepts, got a problem:\n  a pipe accepts at most 5 filter patterns, got 6'));
  });

  describe('patterns Pipes accepts but that cannot work: refused when nothing can match, else a warning', () => {
    const NUMBER_ADVICE = 'instead, list the numbers as strings for exact values (["5"]), use "anything-but" or "prefix" on the string where they fit '
      + '([{"anything-but": ["0"]}] for not zero, [{"prefix": "-"}] for negative), match a derived attribute that your app writes '
      + '(a BOOL such as "lowStock"), or filter in the enrichment';
    const ACK = ' [ack: cdk-enriched-stream-to-queue:deadFilterPart]';
    const filterOf = (...patterns: object[]) => new pipes.Filter(patterns.map(p => pipes.FilterPattern.fromObject(p)));
    const filterWarnings = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('^filter: '))
      .map(w => `${w.id}: ${w.entry.data}`);

    test('stock < 5 on an N attribute is refused, saying what to do instead', () => {
      const filter = filterOf({ dynamodb: { NewImage: { stock: { N: [{ numeric: ['<', 5] }] } } } });
      expect(() => build({ filter })).toThrow(constructError('filter must be able to match a record of the table\'s stream, got a pattern that never matches:\n'
        + '  filters[0]: dynamodb.NewImage.stock.N: {"numeric":["<",5]} never matches: DynamoDB numbers are strings in stream records (e.g. "42"), '
        + `and "numeric" and number values match only JSON numbers; ${NUMBER_ADVICE}`));
    });

    test('a numeric match beside an anything-but on an N value is accepted, with a warning about the numeric part (issue 15)', () => {
      const filter = filterOf({ dynamodb: { NewImage: { stock: { N: [{ numeric: ['<', 5] }, { 'anything-but': ['0'] }] } } } });
      const { stack, template } = build({ filter });

      expect(JSON.parse(pipeProps(template).SourceParameters.FilterCriteria.Filters[0].Pattern)).toEqual(
        { dynamodb: { NewImage: { stock: { N: [{ numeric: ['<', 5] }, { 'anything-but': ['0'] }] } } } });
      expect(filterWarnings(stack)).toEqual([
        '/Test/Pipeline: filter: filters[0]: dynamodb.NewImage.stock.N: {"numeric":["<",5]} never matches: DynamoDB numbers are strings in stream records (e.g. "42"), '
        + `and "numeric" and number values match only JSON numbers; ${NUMBER_ADVICE}${ACK}`,
      ]);
    });

    test('{"exists": false} on an attribute without its type key is accepted when another alternative can match, with a warning (issue 15)', () => {
      const filter = filterOf({ $or: [{ eventName: ['MODIFY'] }, { eventName: ['INSERT'], dynamodb: { NewImage: { email: [{ exists: false }] } } }] });
      const { stack } = build({ filter });

      expect(filterWarnings(stack)).toEqual([
        '/Test/Pipeline: filter: filters[0]: $or[1].dynamodb.NewImage.email: {"exists": false} always holds: DynamoDB attribute values are typed objects '
        + `such as {"S": ...}; put the match list under the type key (e.g. $or[1].dynamodb.NewImage.email.S)${ACK}`,
      ]);
    });

    test('a pattern that never matches beside one that can is accepted, with a warning naming it', () => {
      const filter = filterOf({ eventName: ['INSERT'] }, { eventName: ['modify'] });
      const { stack } = build({ filter });

      expect(filterWarnings(stack)).toEqual([
        '/Test/Pipeline: filter: filters[1] never matches a stream record (the filter\'s other patterns still can): eventName: "modify" never matches: '
        + `eventName is upper case in stream records (INSERT, MODIFY, REMOVE); write "MODIFY"${ACK}`,
      ]);
    });

    test('eventName in the wrong case is refused (issue 16)', () => {
      expect(() => build({ filter: filterOf({ eventName: ['insert'] }) })).toThrow(constructError(
        'filter must be able to match a record of the table\'s stream, got a pattern that never matches:\n'
        + '  filters[0]: eventName: "insert" never matches: eventName is upper case in stream records (INSERT, MODIFY, REMOVE); write "INSERT"'));
    });

    test('an OldImage condition in a filter that admits only INSERT records is refused (issue 16)', () => {
      const f = fixture();
      const table = new dynamodb.Table(f.stack, 'Both', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES });
      const filter = filterOf({ eventName: ['INSERT'], dynamodb: { OldImage: { status: { S: ['OPEN'] } } } });
      expect(() => build({ table, filter }, f)).toThrow(constructError('filter must be able to match a record of the table\'s stream, got a pattern that never matches:\n'
        + '  filters[0]: dynamodb.OldImage.status.S: never matches: only INSERT records reach this test (eventName), '
        + 'and an INSERT record has no item before the change, so no OldImage'));
      // DynamoDBStreamFilter refuses to build it in the first place.
      expect(() => DynamoDBStreamFilter.where({ eventNames: [DynamoDBEventName.INSERT], oldImage: [AttributeCondition.stringEquals('status', 'OPEN')] }))
        .toThrow(new Error('Invalid DynamoDB stream filter pattern: dynamodb.OldImage.status.S: never matches: only INSERT records reach this test (eventName), '
          + 'and an INSERT record has no item before the change, so no OldImage'));
    });

    test.each([
      ['a Table', (f: Fixture) => new dynamodb.Table(f.stack, 'Composite', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER },
        stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      })],
      ['a TableV2', (f: Fixture) => new dynamodb.TableV2(f.stack, 'Composite', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER },
        dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      })],
    ] as Array<[string, (f: Fixture) => dynamodb.ITable]>)('a type key that contradicts the key schema of %s is refused (issue 16)', (_kind, makeTable) => {
      const f = fixture();
      const filter = DynamoDBStreamFilter.where({ keys: [AttributeCondition.stringEquals('sk', '2026')] });
      expect(() => build({ table: makeTable(f), filter }, f)).toThrow(constructError('filter must be able to match a record of the table\'s stream, got a pattern that never matches:\n'
        + '  filters[0]: dynamodb.Keys.sk.S: never matches: "sk" is a key attribute of type N (the table\'s key schema), so its value is never under "S"'));
      const g = fixture();
      expect(() => build({ table: makeTable(g), filter: DynamoDBStreamFilter.where({ keys: [AttributeCondition.numberEquals('sk', 2026)] }) }, g)).not.toThrow();
    });

    test('an imported table, whose key schema is unknown, is not checked against it', () => {
      const f = fixture();
      const table = dynamodb.Table.fromTableAttributes(f.stack, 'Imported', {
        tableName: 'imported',
        tableStreamArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/imported/stream/2026-01-01T00:00:00.000',
      });
      const filter = DynamoDBStreamFilter.where({ keys: [AttributeCondition.stringEquals('sk', '2026')] });
      const { stack } = build({ table, filter }, f);
      expect(filterWarnings(stack)).toEqual([]);
    });

    test('the default filter and the README\'s derived-attribute filter raise no warning', () => {
      expect(filterWarnings(build().stack)).toEqual([]);
      const lowStock = DynamoDBStreamFilter.where({
        eventNames: [DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY],
        newImage: [AttributeCondition.booleanEquals('lowStock', true)],
      });
      expect(filterWarnings(build({ filter: lowStock }).stack)).toEqual([]);
    });

    test('cdk-nag still finds nothing with a filter that has a dead part', () => {
      const f = fixture();
      Aspects.of(f.stack).add(new AwsSolutionsChecks({ verbose: true }));
      build({ filter: filterOf({ eventName: ['INSERT'] }, { eventName: ['modify'] }) }, f);
      const annotations = Annotations.fromStack(f.stack);
      expect([
        ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
        ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ]).toEqual([]);
    });
  });
});

describe('source tuning', () => {
  test('every source option reaches the template', () => {
    const { template } = build({
      startingPosition: sources.DynamoDBStartingPosition.TRIM_HORIZON,
      batchSize: 5,
      maximumBatchingWindow: Duration.seconds(30),
      maximumRecordAge: Duration.hours(2),
      maximumRetryAttempts: 7,
      parallelizationFactor: 4,
    });

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      SourceParameters: {
        DynamoDBStreamParameters: {
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 5,
          MaximumBatchingWindowInSeconds: 30,
          MaximumRecordAgeInSeconds: 7200,
          MaximumRetryAttempts: 7,
          ParallelizationFactor: 4,
        },
      },
    });
  });

  test.each([
    ['batchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got 0', { batchSize: 0 }],
    ['batchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got 11', { batchSize: 11 }],
    ['batchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got 2.5', { batchSize: 2.5 }],
    ['maximumBatchingWindow must be a whole number of seconds from 0 to 300, got 301 seconds', { maximumBatchingWindow: Duration.seconds(301) }],
    ['maximumBatchingWindow must be a whole number of seconds from 0 to 300, got 1.5 seconds', { maximumBatchingWindow: Duration.millis(1500) }],
    ['maximumRecordAge must be a whole number of seconds from 60 to 604800, got 59 seconds', { maximumRecordAge: Duration.seconds(59) }],
    ['maximumRecordAge must be a whole number of seconds from 60 to 604800, got 691200 seconds', { maximumRecordAge: Duration.days(8) }],
    ['maximumRetryAttempts must be an integer from 0 to 10000, got -1', { maximumRetryAttempts: -1 }],
    ['maximumRetryAttempts must be an integer from 0 to 10000, got 10001', { maximumRetryAttempts: 10001 }],
    ['parallelizationFactor must be an integer from 1 to 10, got 0', { parallelizationFactor: 0 }],
    ['parallelizationFactor must be an integer from 1 to 10, got 11', { parallelizationFactor: 11 }],
    ['maxReceiveCount must be an integer from 1 to 1000, got 0', { maxReceiveCount: 0 }],
    ['maxReceiveCount must be an integer from 1 to 1000, got 1001', { maxReceiveCount: 1001 }],
  ] as Array<[string, Partial<EnrichedStreamToQueueProps>]>)('refuses with "%s"', (message, props) => {
    expect(() => build(props)).toThrow(constructError(message));
  });

  test.each([
    ['lower', { batchSize: 1, maximumBatchingWindow: Duration.seconds(0), maximumRecordAge: Duration.seconds(60), maximumRetryAttempts: 0, parallelizationFactor: 1, maxReceiveCount: 1 }],
    ['upper', { batchSize: 10, maximumBatchingWindow: Duration.minutes(5), maximumRecordAge: Duration.days(7), maximumRetryAttempts: 10000, parallelizationFactor: 10, maxReceiveCount: 1000 }],
  ] as Array<[string, Partial<EnrichedStreamToQueueProps>]>)('accepts the %s limit of every range', (_limit, props) => {
    expect(() => build(props)).not.toThrow();
  });

  test('lets unresolved tokens through to CloudFormation', () => {
    const f = fixture();
    const retries = new CfnParameter(f.stack, 'Retries', { type: 'Number' });
    const { template } = build({ maximumRetryAttempts: retries.valueAsNumber, batchSize: retries.valueAsNumber }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      SourceParameters: { DynamoDBStreamParameters: { MaximumRetryAttempts: { Ref: 'Retries' }, BatchSize: { Ref: 'Retries' } } },
    });
  });
});

describe('queues', () => {
  test('sends to an existing queue and creates no target queue', () => {
    const f = fixture();
    const queue = sqs.Queue.fromQueueArn(f.stack, 'Existing', 'arn:aws:sqs:eu-west-1:111111111111:existing');
    const { template, construct } = build({ queue }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', { Target: 'arn:aws:sqs:eu-west-1:111111111111:existing' });
    template.resourceCountIs('AWS::SQS::Queue', 1); // the source dead-letter queue only
    expect(construct.targetDeadLetterQueue).toBeUndefined();
    expect(roleStatements(template)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:111111111111:existing' }),
    ]));
  });

  test('sends batch descriptions to an existing (imported) source dead-letter queue', () => {
    const f = fixture();
    const dlq = sqs.Queue.fromQueueArn(f.stack, 'ExistingDlq', 'arn:aws:sqs:eu-west-1:111111111111:source-dlq');
    const { template } = build({ sourceDeadLetterQueue: dlq }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      SourceParameters: { DynamoDBStreamParameters: { DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:111111111111:source-dlq' } } },
    });
    template.resourceCountIs('AWS::SQS::Queue', 2);
    expect(roleStatements(template)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:111111111111:source-dlq' }),
    ]));
  });

  test('may use the key of an imported KMS-encrypted queue, when imported with it', () => {
    const f = fixture();
    const keyArn = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const queue = sqs.Queue.fromQueueAttributes(f.stack, 'Encrypted', { queueArn: 'arn:aws:sqs:eu-west-1:111111111111:encrypted', keyArn });
    const { template } = build({ queue }, f);

    expect(roleStatements(template)).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: keyArn }),
    ]));
  });

  test('sends to a FIFO queue with a message group and deduplication id', () => {
    const f = fixture();
    const queue = new sqs.Queue(f.stack, 'Fifo', { fifo: true, enforceSSL: true });
    const { template } = build({ queue, messageGroupId: '$.id', messageDeduplicationId: '$.eventId' }, f);

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      TargetParameters: { SqsQueueParameters: { MessageGroupId: '$.id', MessageDeduplicationId: '$.eventId' } },
    });
  });

  test('refuses a FIFO queue without messageGroupId', () => {
    const f = fixture();
    const queue = new sqs.Queue(f.stack, 'Fifo', { fifo: true });
    expect(() => build({ queue }, f)).toThrow(constructError('messageGroupId must be given when the queue is a FIFO queue, for example \'$.id\' (a path into what the enrichment returns)'));
  });

  test('passes a message group to a standard queue (SQS fair queues)', () => {
    const { template } = build({ messageGroupId: '$.patientId' });
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      TargetParameters: { SqsQueueParameters: { MessageGroupId: '$.patientId', MessageDeduplicationId: Match.absent() } },
    });
  });

  test('refuses messageDeduplicationId for a standard queue', () => {
    expect(() => build({ messageDeduplicationId: 'd' })).toThrow(constructError('messageDeduplicationId must be unset when the queue is a standard queue: it applies only to a FIFO queue'));
  });

  test('refuses a FIFO source dead-letter queue', () => {
    const f = fixture();
    const dlq = new sqs.Queue(f.stack, 'FifoDlq', { fifo: true });
    expect(() => build({ sourceDeadLetterQueue: dlq }, f)).toThrow(constructError('sourceDeadLetterQueue must be a standard queue, got a FIFO queue: EventBridge Pipes cannot send to a FIFO dead-letter queue'));
  });

  describe('refuses options that would be silently ignored', () => {
    const existingQueue = (f: Fixture) => sqs.Queue.fromQueueArn(f.stack, 'Existing', 'arn:aws:sqs:eu-west-1:111111111111:existing');

    test('maxReceiveCount with a queue passed in', () => {
      const f = fixture();
      expect(() => build({ queue: existingQueue(f), maxReceiveCount: 3 }, f))
        .toThrow(constructError('maxReceiveCount must be unset when queue is given: it applies only to the queue this construct creates; configure the dead-letter queue of the queue you pass in'));
    });

    test('encryptionKey when both queues are passed in', () => {
      const f = fixture();
      const dlq = sqs.Queue.fromQueueArn(f.stack, 'ExistingDlq', 'arn:aws:sqs:eu-west-1:111111111111:source-dlq');
      expect(() => build({ queue: existingQueue(f), sourceDeadLetterQueue: dlq, encryptionKey: new kms.Key(f.stack, 'Key') }, f))
        .toThrow(constructError('encryptionKey must be unset when both queue and sourceDeadLetterQueue are given: it applies only to queues this construct creates'));
    });

    test('logGroup with logLevel OFF', () => {
      const f = fixture();
      expect(() => build({ logGroup: new logs.LogGroup(f.stack, 'Logs'), logLevel: pipes.LogLevel.OFF }, f))
        .toThrow(constructError('logGroup must be unset when logLevel is OFF: the pipe would never write to it'));
    });

    test('logRetention with a logGroup passed in', () => {
      const f = fixture();
      expect(() => build({ logGroup: new logs.LogGroup(f.stack, 'Logs'), logRetention: logs.RetentionDays.ONE_DAY }, f))
        .toThrow(constructError('logRetention must be unset when logGroup is given: it applies only to the log group this construct creates; set the retention of the logGroup you pass in'));
    });
  });

  test('maxReceiveCount sets the redrive of the created queue', () => {
    const { template } = build({ maxReceiveCount: 2 });
    template.hasResourceProperties('AWS::SQS::Queue', { RedrivePolicy: { maxReceiveCount: 2 } });
  });

  test('a target input transformation reaches the pipe', () => {
    const { template } = build({ targetInputTransformation: pipes.InputTransformation.fromObject({ appointment: '<$.appointment>' }) });
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      TargetParameters: { InputTemplate: '{"appointment":<$.appointment>}', SqsQueueParameters: Match.absent() },
    });
  });
});

describe('pipe options', () => {
  test('name, description, state and logging options reach the template', () => {
    const { template } = build({
      pipeName: 'reminders',
      description: 'Appointment reminders',
      desiredState: pipes.DesiredState.STOPPED,
      logLevel: pipes.LogLevel.INFO,
      logIncludeExecutionData: [pipes.IncludeExecutionData.ALL],
      logRetention: logs.RetentionDays.ONE_WEEK,
    });

    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Name: 'reminders',
      Description: 'Appointment reminders',
      DesiredState: 'STOPPED',
      LogConfiguration: { Level: 'INFO', IncludeExecutionData: ['ALL'] },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('logs to a given log group', () => {
    const f = fixture();
    const logGroup = logs.LogGroup.fromLogGroupArn(f.stack, 'Mine', 'arn:aws:logs:eu-west-1:111111111111:log-group:mine:*');
    const { template, construct } = build({ logGroup }, f);

    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    expect(construct.logGroup).toBe(logGroup);
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      LogConfiguration: { CloudwatchLogsLogDestination: { LogGroupArn: 'arn:aws:logs:eu-west-1:111111111111:log-group:mine:*' } },
    });
  });

  test('logLevel OFF creates no log group and no log permissions', () => {
    const { template, construct } = build({ logLevel: pipes.LogLevel.OFF });

    template.resourceCountIs('AWS::Logs::LogGroup', 0);
    expect(construct.logGroup).toBeUndefined();
    template.hasResourceProperties('AWS::Pipes::Pipe', { LogConfiguration: Match.absent() });
    expect(roleStatements(template).flatMap((s) => [].concat(s.Action)).filter((a: string) => a.startsWith('logs:'))).toEqual([]);
  });
});

describe('operations', () => {
  test.each([
    ['metricExecutionFailed', 'ExecutionFailed'],
    ['metricExecutionThrottled', 'ExecutionThrottled'],
    ['metricExecutionTimeout', 'ExecutionTimeout'],
    ['metricEnrichmentStageFailed', 'EnrichmentStageFailed'],
    ['metricTargetStageFailed', 'TargetStageFailed'],
    ['metricInvocations', 'Invocations'],
  ])('%s is the pipe\'s %s sum, by PipeName', (method, metricName) => {
    const { construct, stack } = build();
    const metric = (construct as any)[method]({ period: Duration.minutes(1) }) as cloudwatch.Metric;

    expect(metric.namespace).toEqual('AWS/EventBridge/Pipes');
    expect(metric.metricName).toEqual(metricName);
    expect(metric.statistic).toEqual('Sum');
    expect(metric.period.toMinutes()).toEqual(1);
    expect(stack.resolve(metric.dimensions)).toEqual({ PipeName: { Ref: expect.stringMatching(/^Pipeline/) } });
  });

  test('metricDuration is the pipe\'s average Duration, and metric() takes any pipe metric', () => {
    const { construct, stack } = build();

    const duration = construct.metricDuration();
    expect([duration.namespace, duration.metricName, duration.statistic]).toEqual(['AWS/EventBridge/Pipes', 'Duration', 'Average']);
    const concurrency = construct.metric('Concurrency', { statistic: 'Maximum' });
    expect([concurrency.metricName, concurrency.statistic]).toEqual(['Concurrency', 'Maximum']);
    expect(stack.resolve(concurrency.dimensions)).toEqual({ PipeName: { Ref: expect.stringMatching(/^Pipeline/) } });
  });

  test('queue metrics watch the target queue and both dead-letter queues', () => {
    const { construct, stack } = build();

    const age = construct.metricQueueOldestMessageAge();
    expect([age.namespace, age.metricName, age.statistic]).toEqual(['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum']);
    expect(stack.resolve(age.dimensions)).toEqual({ QueueName: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineQueue/), 'QueueName'] } });
    const sourceDlq = construct.metricSourceDeadLetterMessages();
    expect([sourceDlq.metricName, sourceDlq.statistic]).toEqual(['ApproximateNumberOfMessagesVisible', 'Maximum']);
    expect(stack.resolve(sourceDlq.dimensions)).toEqual({ QueueName: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineSourceDeadLetterQueue/), 'QueueName'] } });
    expect(stack.resolve(construct.metricTargetDeadLetterMessages()!.dimensions)).toEqual({ QueueName: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineDeadLetterQueue/), 'QueueName'] } });
  });

  test('metricTargetDeadLetterMessages is undefined, and does not throw, for a queue passed in', () => {
    const f = fixture();
    const queue = sqs.Queue.fromQueueArn(f.stack, 'Existing', 'arn:aws:sqs:eu-west-1:111111111111:existing');
    const { construct } = build({ queue }, f);
    expect(construct.metricTargetDeadLetterMessages()).toBeUndefined();
    expect(construct.targetDeadLetterQueue).toBeUndefined();
  });

  test('metricTargetDeadLetterMessages watches the created target dead-letter queue, with options', () => {
    const { construct, stack } = build();
    const metric = construct.metricTargetDeadLetterMessages({ period: Duration.minutes(1) })!;
    expect([metric.namespace, metric.metricName, metric.statistic, metric.period.toMinutes()]).toEqual(['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', 1]);
    expect(stack.resolve(metric.dimensions)).toEqual({ QueueName: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineDeadLetterQueue/), 'QueueName'] } });
  });

  test('creates three alarms that fire on a single failure', () => {
    const { template, construct } = build();

    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(construct.alarms).toHaveLength(3);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EventBridge/Pipes', MetricName: 'ExecutionFailed', Statistic: 'Sum', Period: 300,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineSourceDeadLetterQueue'), 'QueueName'] } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PipelineDeadLetterQueue'), 'QueueName'] } }],
    });
  });

  test('alarmActions are attached to every alarm', () => {
    const f = fixture();
    const topic = new sns.Topic(f.stack, 'Pager');
    const { template } = build({ alarmActions: [new actions.SnsAction(topic)] }, f);

    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: Match.stringLikeRegexp('^Pager') }] });
  });

  test('an existing queue gets no target dead-letter alarm', () => {
    const f = fixture();
    const queue = sqs.Queue.fromQueueArn(f.stack, 'Existing', 'arn:aws:sqs:eu-west-1:111111111111:existing');
    const { template } = build({ queue }, f);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
  });

  test('createAlarms false creates none', () => {
    const { template, construct } = build({ createAlarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(construct.alarms).toEqual([]);
  });
});

test('two pipelines in one stack do not collide', () => {
  const f = fixture();
  const scope = new Construct(f.stack, 'Other');
  new EnrichedStreamToQueue(scope, 'Pipeline', { table: f.table, enrichmentFunction: f.fn });
  const { template } = build({}, f);
  template.resourceCountIs('AWS::Pipes::Pipe', 2);
  template.resourceCountIs('AWS::SQS::Queue', 6);
});

describe('props a JavaScript caller can get wrong name the prop', () => {
  /** Builds with props that TypeScript would refuse, as a JavaScript caller can pass them. */
  const buildUntyped = (props: Record<string, unknown>, f: Fixture = fixture()) =>
    new EnrichedStreamToQueue(f.stack, 'Pipeline', { table: f.table, enrichmentFunction: f.fn, ...props } as unknown as EnrichedStreamToQueueProps);

  test('no props at all', () => {
    const f = fixture();
    expect(() => new EnrichedStreamToQueue(f.stack, 'P', undefined as unknown as EnrichedStreamToQueueProps))
      .toThrow(constructError('props must be an object with at least \'table\' and one of \'enrichmentFunction\' or \'enrichment\', got undefined', 'Test/P'));
  });

  test.each([
    ['table', undefined, 'table must be a DynamoDB table (dynamodb.Table, dynamodb.TableV2 or an imported dynamodb.ITable), got undefined'],
    ['table', 'appointments', 'table must be a DynamoDB table (dynamodb.Table, dynamodb.TableV2 or an imported dynamodb.ITable), got the string "appointments"'],
    ['maximumBatchingWindow', 5, 'maximumBatchingWindow must be a Duration such as Duration.seconds(30), got the number 5'],
    ['maximumRecordAge', -1, 'maximumRecordAge must be a Duration such as Duration.seconds(30), got the number -1; leave it unset to keep records until they leave the stream'],
    ['enrichmentFunction', 'arn:aws:lambda:eu-west-1:111111111111:function:enrich',
      'enrichmentFunction must be a Lambda function (lambda.IFunction), got the string "arn:aws:lambda:eu-west-1:111111111111:function:enrich"; import a function by its ARN with lambda.Function.fromFunctionArn'],
    ['filter', {}, 'filter must be a pipes.IFilter (an object with a \'filters\' array of patterns), such as DynamoDBStreamFilter.inserts(), got an object'],
    ['alarmActions', 'x', 'alarmActions must be an array of cloudwatch.IAlarmAction, such as [new actions.SnsAction(topic)], got the string "x"'],
    ['encryptionKey', 'alias/x', 'encryptionKey must be a KMS key (kms.IKey), got the string "alias/x"; import an existing key with kms.Key.fromKeyArn or an alias with kms.Alias.fromAliasName'],
    ['queue', 'https://sqs.eu-west-1.amazonaws.com/111111111111/q', 'queue must be an SQS queue (sqs.IQueue), got the string "https://sqs.eu-west-1.amazonaws.com/111111111111/q"; import a queue by its ARN with sqs.Queue.fromQueueArn'],
    ['sourceDeadLetterQueue', {}, 'sourceDeadLetterQueue must be an SQS queue (sqs.IQueue), got an object'],
    ['logGroup', 'my-logs', 'logGroup must be a log group (logs.ILogGroup), got the string "my-logs"'],
    ['targetInputTransformation', '{"a":1}', 'targetInputTransformation must be a pipes.IInputTransformation, such as pipes.InputTransformation.fromObject({ ... }), got the string "{\\"a\\":1}"'],
    ['createAlarms', 'no', 'createAlarms must be a boolean, got the string "no"'],
    ['logIncludeExecutionData', 'ALL', 'logIncludeExecutionData must be an array of pipes.IncludeExecutionData, such as [IncludeExecutionData.ALL], got the string "ALL"'],
    ['logIncludeExecutionData', ['SOME'], 'logIncludeExecutionData must be one of ALL (pipes.IncludeExecutionData), got the string "SOME"'],
    ['logRetention', 31, 'logRetention must be a logs.RetentionDays value, such as RetentionDays.ONE_MONTH, got the number 31'],
    ['batchSize', '5', 'batchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got the string "5"'],
  ])('%s given as %j', (prop, value, message) => {
    expect(() => buildUntyped({ [prop]: value })).toThrow(constructError(message));
  });

  test('enrichment: {} instead of an IEnrichment', () => {
    expect(() => buildUntyped({ enrichmentFunction: undefined, enrichment: {} }))
      .toThrow(constructError('enrichment must be a pipes.IEnrichment (with enrichmentArn, bind() and grantInvoke()), such as new LambdaEnrichment(fn), got an object'));
  });

  test('a key imported by alias is a key', () => {
    const f = fixture();
    expect(() => build({ encryptionKey: kms.Alias.fromAliasName(f.stack, 'Alias', 'alias/x') }, f)).not.toThrow();
  });
});

describe('values the Pipes API would reject are refused at synthesis', () => {
  // Limits from the EventBridge Pipes API model (botocore data/pipes/2015-10-07/service-2.json).
  test.each([
    ['pipeName', '', 'pipeName must be a string from 1 to 64 characters long, got 0 characters'],
    ['pipeName', 'p'.repeat(65), 'pipeName must be a string from 1 to 64 characters long, got 65 characters'],
    ['pipeName', 'my pipe', 'pipeName must be made of letters, digits, \'.\', \'-\' and \'_\' (pattern [\\.\\-_A-Za-z0-9]+), got the string "my pipe"'],
    ['pipeName', 'pipe/1', 'pipeName must be made of letters, digits, \'.\', \'-\' and \'_\' (pattern [\\.\\-_A-Za-z0-9]+), got the string "pipe/1"'],
    ['description', 'd'.repeat(513), 'description must be a string from 0 to 512 characters long, got 513 characters'],
    ['description', 'two\nlines', 'description must be a single line (the API\'s pattern .* matches no line break), got the string "two\\nlines"'],
    ['description', 'carriage\rreturn', 'description must be a single line (the API\'s pattern .* matches no line break), got the string "carriage\\rreturn"'],
    ['messageGroupId', 'g'.repeat(101), 'messageGroupId must be a string from 0 to 100 characters long, got 101 characters'],
    ['startingPosition', 'AT_TIMESTAMP', 'startingPosition must be one of TRIM_HORIZON, LATEST (DynamoDBStartingPosition), got the string "AT_TIMESTAMP"'],
    ['logLevel', 'LOUD', 'logLevel must be one of OFF, ERROR, INFO, TRACE (pipes.LogLevel), got the string "LOUD"'],
    ['desiredState', 'PAUSED', 'desiredState must be one of RUNNING, STOPPED (pipes.DesiredState), got the string "PAUSED"'],
    ['onPartialBatchItemFailure', 'X', 'onPartialBatchItemFailure must be one of AUTOMATIC_BISECT (OnPartialBatchItemFailure), got the string "X"'],
  ])('%s %j', (prop, value, message) => {
    expect(() => build({ [prop]: value } as Partial<EnrichedStreamToQueueProps>)).toThrow(constructError(message));
  });

  test('messageDeduplicationId of 101 characters', () => {
    const f = fixture();
    const queue = new sqs.Queue(f.stack, 'Fifo', { fifo: true });
    expect(() => build({ queue, messageGroupId: '$.id', messageDeduplicationId: 'd'.repeat(101) }, f))
      .toThrow(constructError('messageDeduplicationId must be a string from 0 to 100 characters long, got 101 characters'));
  });

  test('accepts every limit at its edge, counting characters rather than UTF-16 units', () => {
    const f = fixture();
    const queue = new sqs.Queue(f.stack, 'Fifo', { fifo: true });
    const { template } = build({
      pipeName: `${'a'.repeat(60)}.-_9`,
      description: `${'é'.repeat(510)}😀😀`,
      queue,
      messageGroupId: 'g'.repeat(100),
      messageDeduplicationId: 'd'.repeat(100),
    }, f);
    template.hasResourceProperties('AWS::Pipes::Pipe', { Name: `${'a'.repeat(60)}.-_9` });
  });

  test('an empty description and a one-character name are valid', () => {
    expect(() => build({ pipeName: 'p', description: '' })).not.toThrow();
  });

  test('unresolved tokens pass through to CloudFormation', () => {
    const f = fixture();
    const name = new CfnParameter(f.stack, 'Name').valueAsString;
    const group = new CfnParameter(f.stack, 'Group').valueAsString;
    const { template } = build({ pipeName: name, description: name, messageGroupId: group }, f);
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Name: { Ref: 'Name' },
      Description: { Ref: 'Name' },
      TargetParameters: { SqsQueueParameters: { MessageGroupId: { Ref: 'Group' } } },
    });
  });

  test.each([
    ['target', (n: number) => ({ targetInputTransformation: pipes.InputTransformation.fromText('x'.repeat(n)) }),
      'targetInputTransformation\'s input template must be a string from 0 to 8192 characters long, got 8193 characters'],
    ['enrichment', (n: number) => ({ enrichmentFunction: undefined, enrichment: new LambdaEnrichment(fixtureFn, { inputTransformation: pipes.InputTransformation.fromText('x'.repeat(n)) }) }),
      'enrichment\'s input template must be a string from 0 to 8192 characters long, got 8193 characters'],
  ] as Array<[string, (n: number) => Partial<EnrichedStreamToQueueProps>, string]>)('an input template on the %s: 8192 characters pass, 8193 are refused', (_where, props, message) => {
    expect(() => build(props(8192))).not.toThrow();
    expect(() => build(props(8193))).toThrow(constructError(message));
  });
});

describe('options that would be silently useless are refused with the reason', () => {
  test('a filter on OldImage over a NEW_IMAGE stream', () => {
    const filter = new pipes.Filter([pipes.FilterPattern.fromObject({ dynamodb: { OldImage: { status: { S: ['OPEN'] } } } })]);
    expect(() => build({ filter })).toThrow(constructError('filter must be able to match a record of the table\'s stream, got a pattern that never matches:\n'
      + '  filters[0]: dynamodb.OldImage.status.S: never matches: the table\'s stream view type is NEW_IMAGE, so its records carry no OldImage; '
      + 'stream OLD_IMAGE or NEW_AND_OLD_IMAGES, or test another part of the record'));
  });

  test('a filter on NewImage inside $or over a KEYS_ONLY stream: the other alternative can match, so a warning', () => {
    const f = fixture();
    const table = new dynamodb.TableV2(f.stack, 'KeysOnly', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, dynamoStream: dynamodb.StreamViewType.KEYS_ONLY });
    const filter = new pipes.Filter([pipes.FilterPattern.fromObject({ $or: [{ eventName: ['INSERT'] }, { dynamodb: { NewImage: { id: { S: ['a'] } } } }] })]);
    build({ table, filter }, f);
    Annotations.fromStack(f.stack).hasWarning('/Test/Pipeline', 'filter: filters[0]: $or[1].dynamodb.NewImage.id.S: never matches: the table\'s stream view type is KEYS_ONLY, '
      + 'so its records carry no NewImage; stream NEW_IMAGE or NEW_AND_OLD_IMAGES, or test another part of the record [ack: cdk-enriched-stream-to-queue:deadFilterPart]');
  });

  test('a filter on both images over a NEW_AND_OLD_IMAGES stream is accepted', () => {
    const f = fixture();
    const table = new dynamodb.Table(f.stack, 'Both', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES });
    const filter = new pipes.Filter([pipes.FilterPattern.fromObject({ dynamodb: { OldImage: { s: { S: ['A'] } }, NewImage: { s: { S: ['B'] } } } })]);
    expect(() => build({ table, filter }, f)).not.toThrow();
  });

  test('logRetention with LogLevel.OFF', () => {
    expect(() => build({ logLevel: pipes.LogLevel.OFF, logRetention: logs.RetentionDays.ONE_DAY }))
      .toThrow(constructError('logRetention must be unset when logLevel is OFF: no log group is created, so there is nothing to keep'));
  });

  test('logIncludeExecutionData with LogLevel.OFF', () => {
    expect(() => build({ logLevel: pipes.LogLevel.OFF, logIncludeExecutionData: [pipes.IncludeExecutionData.ALL] }))
      .toThrow(constructError('logIncludeExecutionData must be unset when logLevel is OFF: the pipe writes no logs to include it in'));
  });

  test('alarmActions with createAlarms false', () => {
    const f = fixture();
    expect(() => build({ createAlarms: false, alarmActions: [new actions.SnsAction(new sns.Topic(f.stack, 'T'))] }, f))
      .toThrow(constructError('alarmActions must be unset when createAlarms is false: there would be no alarm to act on'));
  });

  test.each([
    ['the same object', (f: Fixture) => { const q = new sqs.Queue(f.stack, 'Q'); return [q, q]; }],
    ['two imports of one ARN', (f: Fixture) => [
      sqs.Queue.fromQueueArn(f.stack, 'A', 'arn:aws:sqs:eu-west-1:111111111111:q'),
      sqs.Queue.fromQueueArn(f.stack, 'B', 'arn:aws:sqs:eu-west-1:111111111111:q'),
    ]],
  ] as Array<[string, (f: Fixture) => sqs.IQueue[]]>)('one queue as both queue and sourceDeadLetterQueue (%s)', (_how, queues) => {
    const f = fixture();
    const [queue, sourceDeadLetterQueue] = queues(f);
    expect(() => build({ queue, sourceDeadLetterQueue }, f)).toThrow(constructError(
      'sourceDeadLetterQueue must be another queue than queue, got the same queue: the descriptions of failed batches would arrive '
      + 'among the enriched records, and the consumer would take them for records'));
  });

  test('new Filter([]), which would drop the INSERT default', () => {
    expect(() => build({ filter: new pipes.Filter([]) })).toThrow(constructError(
      'filter must have at least one pattern, got none: every record would pass (INSERT, MODIFY and REMOVE) instead of the INSERT-only default. '
      + 'To pass every kind of record on purpose, use DynamoDBStreamFilter.eventNames(DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY, DynamoDBEventName.REMOVE)'));
  });

  test('an imported stream in another Region than the stack', () => {
    const f = fixture();
    const table = dynamodb.Table.fromTableAttributes(f.stack, 'Elsewhere', {
      tableName: 'elsewhere',
      tableStreamArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/elsewhere/stream/2026-01-01T00:00:00.000',
    });
    expect(() => build({ table }, f)).toThrow(constructError('table\'s stream must be in the stack\'s Region (eu-west-1), got us-east-1: a pipe reads a DynamoDB stream of its own Region. Deploy the pipe in us-east-1'));
  });

  test('an imported stream is accepted in a region-agnostic stack', () => {
    const stack = new Stack(new App(), 'Agnostic');
    const table = dynamodb.Table.fromTableAttributes(stack, 'Elsewhere', {
      tableName: 'elsewhere',
      tableStreamArn: 'arn:aws:dynamodb:us-east-1:111111111111:table/elsewhere/stream/2026-01-01T00:00:00.000',
    });
    const fn = lambda.Function.fromFunctionArn(stack, 'Enrich', 'arn:aws:lambda:us-east-1:111111111111:function:enrich');
    expect(() => new EnrichedStreamToQueue(stack, 'P', { table, enrichmentFunction: fn })).not.toThrow();
  });
});

describe('FIFO target queues', () => {
  test('refuses an empty messageGroupId', () => {
    const f = fixture();
    const queue = new sqs.Queue(f.stack, 'Fifo', { fifo: true, contentBasedDeduplication: true });
    expect(() => build({ queue, messageGroupId: '' }, f))
      .toThrow(constructError('messageGroupId must not be empty when the queue is a FIFO queue, got the string "": SQS requires a message group of 1 to 128 characters on every message'));
  });

  test('refuses a created FIFO queue with neither messageDeduplicationId nor content-based deduplication', () => {
    const f = fixture();
    const queue = new sqs.Queue(f.stack, 'Fifo', { fifo: true });
    expect(() => build({ queue, messageGroupId: '$.id' }, f)).toThrow(constructError(
      'messageDeduplicationId must be given when the FIFO queue has no content-based deduplication: SQS would refuse every message. '
      + 'Set messageDeduplicationId (e.g. \'$.id\', a path into what the enrichment returns) or create the queue with contentBasedDeduplication: true'));
  });

  test('accepts a FIFO queue with content-based deduplication and no messageDeduplicationId', () => {
    const f = fixture();
    const queue = new sqs.Queue(f.stack, 'Fifo', { fifo: true, contentBasedDeduplication: true });
    const { template } = build({ queue, messageGroupId: '$.id' }, f);
    template.hasResourceProperties('AWS::Pipes::Pipe', { TargetParameters: { SqsQueueParameters: { MessageGroupId: '$.id', MessageDeduplicationId: Match.absent() } } });
  });

  test('accepts an imported FIFO queue, whose deduplication setting cannot be known here', () => {
    const f = fixture();
    const queue = sqs.Queue.fromQueueAttributes(f.stack, 'Fifo', { queueArn: 'arn:aws:sqs:eu-west-1:111111111111:orders.fifo', fifo: true });
    expect(() => build({ queue, messageGroupId: '$.id' }, f)).not.toThrow();
  });
});

describe('stream permissions are the same for every kind of table', () => {
  const streamStatements = (template: Template) => roleStatements(template)
    .filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('dynamodb:') || a.startsWith('kms:')));

  const expected = (streamArn: unknown) => [
    { Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: streamArn },
    { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
  ];

  test('a Table', () => {
    const { template } = build();
    expect(streamStatements(template)).toEqual(expected({ 'Fn::GetAtt': [expect.stringMatching(/^Table/), 'StreamArn'] }));
  });

  test('a TableV2', () => {
    const f = fixture();
    const table = new dynamodb.TableV2(f.stack, 'V2', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, dynamoStream: dynamodb.StreamViewType.NEW_IMAGE });
    const { template } = build({ table }, f);
    expect(streamStatements(template)).toEqual(expected({ 'Fn::GetAtt': [expect.stringMatching(/^V2/), 'StreamArn'] }));
  });

  test.each([
    ['a Table', (f: Fixture, key: kms.IKey) => new dynamodb.Table(f.stack, 'Encrypted', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
    })],
    ['a TableV2', (f: Fixture, key: kms.IKey) => new dynamodb.TableV2(f.stack, 'Encrypted', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(key),
    })],
  ] as Array<[string, (f: Fixture, key: kms.IKey) => dynamodb.ITable]>)('%s encrypted with a customer-managed key: the same four actions and no key permission', (_kind, makeTable) => {
    // The Pipes permissions page lists no KMS permission for DynamoDB sources (see DynamoDBStreamSource.grantRead).
    const f = fixture();
    const key = new kms.Key(f.stack, 'TableKey');
    const { template } = build({ table: makeTable(f, key) }, f);
    expect(streamStatements(template)).toEqual(expected({ 'Fn::GetAtt': [expect.stringMatching(/^Encrypted/), 'StreamArn'] }));
  });

  test('the cdk-nag suppression for Resource::* says why, and no other statement uses *', () => {
    const { template } = build();
    const wildcard = roleStatements(template).filter((s) => s.Resource === '*');
    expect(wildcard).toEqual([expect.objectContaining({ Action: 'dynamodb:ListStreams' })]);
    const suppressed = Object.values(template.toJSON().Resources as Record<string, any>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    expect(suppressed.find((s: any) => s.id === 'AwsSolutions-IAM5').reason).toEqual(
      'dynamodb:ListStreams has no resource-level permissions (Service Authorization Reference for DynamoDB), so it is granted on *; '
      + 'DescribeStream, GetRecords and GetShardIterator are scoped to the table\'s stream ARN.');
  });
});

test('the construct ids and logical ids of every resource it creates stay as published', () => {
  // Renaming one replaces the resource: a queue would be replaced with its messages lost.
  const { construct, stack } = build({ alarmActions: [] });
  const created = construct.node.findAll()
    .filter((c): c is CfnResource => c instanceof CfnResource)
    .map((r) => `${r.cfnResourceType} ${r.node.path} ${stack.getLogicalId(r)}`)
    .sort();
  expect(created).toEqual([
    'AWS::CloudWatch::Alarm Test/Pipeline/DeadLetterAlarm/Resource PipelineDeadLetterAlarm9ACBEFC1',
    'AWS::CloudWatch::Alarm Test/Pipeline/ExecutionFailedAlarm/Resource PipelineExecutionFailedAlarm91A10B7C',
    'AWS::CloudWatch::Alarm Test/Pipeline/SourceDeadLetterAlarm/Resource PipelineSourceDeadLetterAlarm62B028C9',
    'AWS::IAM::Policy Test/Pipeline/Role/DefaultPolicy/Resource PipelineRoleDefaultPolicyC7A05455',
    'AWS::IAM::Role Test/Pipeline/Role/Resource PipelineRoleD68726F7',
    'AWS::Logs::LogGroup Test/Pipeline/LogGroup/Resource PipelineLogGroup9DA7DDE7',
    'AWS::Pipes::Pipe Test/Pipeline/Resource/Resource Pipeline8E4BFAC9',
    'AWS::SQS::Queue Test/Pipeline/DeadLetterQueue/Resource PipelineDeadLetterQueueF08023D6',
    'AWS::SQS::Queue Test/Pipeline/Queue/Resource PipelineQueueC13966F5',
    'AWS::SQS::Queue Test/Pipeline/SourceDeadLetterQueue/Resource PipelineSourceDeadLetterQueue47A13680',
    'AWS::SQS::QueuePolicy Test/Pipeline/DeadLetterQueue/Policy/Resource PipelineDeadLetterQueuePolicy1883D615',
    'AWS::SQS::QueuePolicy Test/Pipeline/Queue/Policy/Resource PipelineQueuePolicy6DE182D9',
    'AWS::SQS::QueuePolicy Test/Pipeline/SourceDeadLetterQueue/Policy/Resource PipelineSourceDeadLetterQueuePolicy04EE0877',
  ]);
});

describe('a role passed in', () => {
  test('becomes the pipe\'s role, and the construct creates none', () => {
    const f = fixture();
    const role = new iam.Role(f.stack, 'Mine', { assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com') });
    const { template, construct, stack } = build({ role }, f);

    expect(construct.pipeRole).toBe(role);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::Pipes::Pipe', { RoleArn: { 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as CfnResource), 'Arn'] } });
  });

  test.each([
    ['a Role of this app', (f: Fixture) => new iam.Role(f.stack, 'Mine', { assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com') })],
    ['an imported role', (f: Fixture) => iam.Role.fromRoleArn(f.stack, 'Mine', 'arn:aws:iam::111111111111:role/pipe-role')],
  ] as Array<[string, (f: Fixture) => iam.IRole]>)('%s still gets every permission the pipe needs, and the pipe waits for them', (_kind, makeRole) => {
    const f = fixture();
    const { template } = build({ role: makeRole(f) }, f);

    const statements = roleStatements(template);
    expect(statements.flatMap((s) => ([] as string[]).concat(s.Action)).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
      'sqs:SendMessage',
    ]);
    const policies = template.findResources('AWS::IAM::Policy');
    expect(Object.keys(policies)).toHaveLength(1);
    const pipe = Object.values(template.findResources('AWS::Pipes::Pipe'))[0] as any;
    expect(pipe.DependsOn).toEqual(expect.arrayContaining(Object.keys(policies)));
    const suppressed = (Object.values(policies)[0] as any).Metadata.cdk_nag.rules_to_suppress;
    expect(suppressed.map((r: any) => r.id)).toEqual(['AwsSolutions-IAM5']);
  });

  test('refuses a role given as an ARN string', () => {
    const f = fixture();
    expect(() => new EnrichedStreamToQueue(f.stack, 'P', { table: f.table, enrichmentFunction: f.fn, role: 'arn:aws:iam::111111111111:role/r' } as unknown as EnrichedStreamToQueueProps))
      .toThrow(constructError('role must be an IAM role (iam.IRole), got the string "arn:aws:iam::111111111111:role/r"; import a role by its ARN with iam.Role.fromRoleArn', 'Test/P'));
  });
});
