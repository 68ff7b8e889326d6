import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadCloudAssembly, LocalAssembly, NotYetCreatedError, type Template } from '../../tools/cloudformation/assembly';

/** Writes a cloud assembly with these stacks (id → environment, dependencies, template). */
function writeAssembly(stacks: Record<string, { environment?: string; dependencies?: string[]; template: Template }>): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'cloud-assembly-test-'));
  const artifacts: Record<string, unknown> = {};
  for (const [id, stack] of Object.entries(stacks)) {
    writeFileSync(path.join(directory, `${id}.template.json`), JSON.stringify(stack.template));
    artifacts[id] = {
      type: 'aws:cloudformation:stack',
      environment: stack.environment ?? 'aws://unknown-account/unknown-region',
      properties: { templateFile: `${id}.template.json` },
      dependencies: stack.dependencies ?? [],
    };
  }
  writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify({ version: '39.0.0', artifacts }));
  return directory;
}

const directories: string[] = [];
afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

/** A stateful stack exporting a table's name and stream ARN, and a stateless one importing them. */
function twoStacks(): LocalAssembly {
  const directory = writeAssembly({
    // Listed first, yet it depends on Stateful: loading must order it second.
    Stateless: {
      dependencies: ['Stateful'],
      template: {
        Resources: {
          Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { TABLE: { 'Fn::ImportValue': 'Stateful:TableName' } } } } },
          Named: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { 'Fn::Sub': '${AWS::StackName}-named' } } },
          Queue: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } },
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Pipe: {
            Type: 'AWS::Pipes::Pipe',
            Properties: { Source: { 'Fn::ImportValue': 'Stateful:StreamArn' }, Enrichment: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Target: { 'Fn::GetAtt': 'Queue.Arn' } },
          },
        },
      },
    },
    Stateful: {
      environment: 'aws://123456789012/eu-west-1',
      template: {
        Resources: { Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'appointments' } } },
        Outputs: {
          TableName: { Value: { Ref: 'Table' }, Export: { Name: 'Stateful:TableName' } },
          StreamArn: { Value: { 'Fn::GetAtt': ['Table', 'StreamArn'] }, Export: { Name: { 'Fn::Join': [':', [{ Ref: 'AWS::StackName' }, 'StreamArn']] } } },
        },
      },
    },
  });
  directories.push(directory);
  return new LocalAssembly(loadCloudAssembly(directory, { defaultRegion: 'us-east-1' }));
}

describe('loadCloudAssembly', () => {
  test('orders stacks after the stacks they depend on and reads their environment', () => {
    const local = twoStacks();
    expect(local.assembly.stacks.map((stack) => [stack.id, stack.region, stack.account])).toEqual([
      ['Stateful', 'eu-west-1', '123456789012'],
      ['Stateless', 'us-east-1', '000000000000'],
    ]);
  });

  test('reads the stacks of nested assemblies (CDK stages)', () => {
    const nested = writeAssembly({ Inner: { template: { Resources: {} } } });
    directories.push(nested);
    const outer = mkdtempSync(path.join(tmpdir(), 'cloud-assembly-test-'));
    directories.push(outer);
    cpSync(nested, path.join(outer, 'assembly-Stage'), { recursive: true });
    writeFileSync(path.join(outer, 'manifest.json'), JSON.stringify({
      version: '39.0.0',
      artifacts: { 'assembly-Stage': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Stage' } } },
    }));
    const assembly = loadCloudAssembly(outer);
    expect(assembly.stacks.map((stack) => [stack.id, stack.directory])).toEqual([['Inner', path.join(outer, 'assembly-Stage')]]);
  });

  test('refuses a manifest the CDK did not write (no version), naming it', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'cloud-assembly-test-'));
    directories.push(directory);
    writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify({ artifacts: {} }));
    expect(() => loadCloudAssembly(directory)).toThrow(
      `${directory}/manifest.json is not a cloud assembly manifest: it has no "version" (the CDK writes one into every manifest.json it synthesizes)`);
  });

  test('refuses a manifest the cloud assembly schema refuses, with the CDK\'s reason', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'cloud-assembly-test-'));
    directories.push(directory);
    writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify({ version: '39.0.0', artifacts: { S: { type: 'aws:cloudformation:stack' } } }));
    expect(() => loadCloudAssembly(directory)).toThrow(
      `${directory}/manifest.json is not a cloud assembly manifest the CDK can read: Invalid CloudFormation stack artifact. Missing "templateFile" property in cloud assembly manifest`);
  });

  test('refuses a directory without manifest.json', () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'cloud-assembly-test-'));
    directories.push(directory);
    expect(() => loadCloudAssembly(directory)).toThrow(
      `${directory} is not a cloud assembly: it has no manifest.json (synthesize the app with 'cdk synth -o ${directory}')`);
  });
});

describe('pseudo parameters', () => {
  // AWS::Partition and AWS::URLSuffix by region:
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
  // (aws, aws-cn for China, aws-us-gov for GovCloud (US); amazonaws.com.cn in China). The partition
  // of a region and its suffix come from the AWS SDK's endpoint partition data.
  test.each([
    ['eu-west-1', 'aws', 'amazonaws.com'],
    ['cn-north-1', 'aws-cn', 'amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'amazonaws.com'],
    ['us-iso-east-1', 'aws-iso', 'c2s.ic.gov'],
    ['us-isob-east-1', 'aws-iso-b', 'sc2s.sgov.gov'],
  ])('a stack in %s is in partition %s, URL suffix %s, and its derived ARNs too', (region, partition, urlSuffix) => {
    const directory = writeAssembly({
      Stack: { environment: `aws://123456789012/${region}`, template: { Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: {} } } } },
    });
    directories.push(directory);
    const local = new LocalAssembly(loadCloudAssembly(directory));
    const stack = local.stack('Stack');
    expect(local.resolve(stack, {
      partition: { Ref: 'AWS::Partition' },
      urlSuffix: { Ref: 'AWS::URLSuffix' },
      stackId: { Ref: 'AWS::StackId' },
      functionArn: { 'Fn::GetAtt': ['Fn', 'Arn'] },
    })).toEqual({
      partition,
      urlSuffix,
      stackId: `arn:${partition}:cloudformation:${region}:123456789012:stack/Stack/local`,
      functionArn: `arn:${partition}:lambda:${region}:123456789012:function:Stack-Fn`,
    });
  });
});

describe('LocalAssembly.resolve', () => {
  test('resolves Fn::ImportValue through the exporting stack to the locally created resource', () => {
    const local = twoStacks();
    const stateful = local.stack('Stateful');
    const stateless = local.stack('Stateless');
    local.register(stateful, 'Table', { ref: 'appointments', attributes: { Arn: 'arn:table', StreamArn: 'arn:stream' } });
    local.register(stateless, 'Queue', { ref: 'http://queue', attributes: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q.fifo' } });
    const pipe = stateless.template.Resources!.Pipe;
    expect(local.resolve(stateless, pipe.Properties, 'Pipe')).toEqual({
      Source: 'arn:stream',
      Enrichment: 'arn:aws:lambda:us-east-1:000000000000:function:Stateless-Fn',
      Target: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    });
    expect(local.resolve(stateless, stateless.template.Resources!.Fn.Properties, 'Fn')).toEqual({ Environment: { Variables: { TABLE: 'appointments' } } });
  });

  test('names resources by their name property, else by stack name and logical id (FIFO queues end in .fifo)', () => {
    const local = twoStacks();
    const stateless = local.stack('Stateless');
    expect(local.physicalName(stateless, 'Named')).toBe('Stateless-named');
    expect(local.physicalName(stateless, 'Fn')).toBe('Stateless-Fn');
    expect(local.physicalName(stateless, 'Queue')).toBe('Stateless-Queue.fifo');
    expect(local.resolve(stateless, { 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::000000000000:role/Stateless-Role');
  });

  test('evaluates Fn::Join, Fn::Sub, Fn::Select, Fn::Split and the pseudo parameters', () => {
    const local = twoStacks();
    const stateful = local.stack('Stateful');
    local.register(stateful, 'Table', { ref: 'appointments', attributes: { Arn: 'arn:table' } });
    expect(local.resolve(stateful, {
      join: { 'Fn::Join': ['/', ['a', { Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }]] },
      sub: { 'Fn::Sub': '${AWS::Partition}:${Table}:${Table.Arn}:${!Literal}:${AWS::URLSuffix}' },
      subVariables: { 'Fn::Sub': ['${x}-${AWS::StackName}', { x: { Ref: 'Table' } }] },
      select: { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] },
      noValue: { Ref: 'AWS::NoValue' },
      list: ['kept', { Ref: 'AWS::NoValue' }],
    })).toEqual({
      join: 'a/eu-west-1/123456789012',
      sub: 'aws:appointments:arn:table:${Literal}:amazonaws.com',
      subVariables: 'appointments-Stateful',
      select: 'b',
      list: ['kept'],
    });
  });

  test('evaluates conditions, mappings and parameter defaults', () => {
    const directory = writeAssembly({
      Stack: {
        environment: 'aws://111111111111/eu-west-1',
        template: {
          Parameters: { Stage: { Type: 'String', Default: 'dev' } },
          Conditions: {
            IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
            InIreland: { 'Fn::And': [{ 'Fn::Not': [{ Condition: 'IsProd' }] }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] }] },
          },
          Mappings: { Sizes: { dev: { Memory: 128 } } },
          Resources: {},
        },
      },
    });
    directories.push(directory);
    const local = new LocalAssembly(loadCloudAssembly(directory));
    const stack = local.stack('Stack');
    expect(local.resolve(stack, {
      name: { 'Fn::If': ['IsProd', 'prod-name', { 'Fn::If': ['InIreland', 'dev-ie', 'dev'] }] },
      memory: { 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] },
      optional: { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] },
    })).toEqual({ name: 'dev-ie', memory: 128 });
  });

  test('refuses an unknown intrinsic function, naming it and the resource', () => {
    const local = twoStacks();
    expect(() => local.resolve(local.stack('Stateless'), { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }, 'Pipe')).toThrow(
      'The intrinsic function Fn::Cidr in resource Pipe of stack Stateless is not supported locally (supported: Ref, Fn::GetAtt, Fn::ImportValue, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::FindInMap, Fn::Base64)');
  });

  test('says which table is not created yet when its stream ARN is needed', () => {
    const local = twoStacks();
    const resolve = () => local.resolve(local.stack('Stateless'), { 'Fn::ImportValue': 'Stateful:StreamArn' }, 'Pipe');
    expect(resolve).toThrow(NotYetCreatedError);
    expect(resolve).toThrow('Fn::GetAtt Table.StreamArn in output StreamArn of stack Stateful: AWS::DynamoDB::Table Table has not been created locally yet');
  });

  test('names a missing export and a missing resource', () => {
    const local = twoStacks();
    const stateless = local.stack('Stateless');
    expect(() => local.resolve(stateless, { 'Fn::ImportValue': 'Nope' }, 'Fn')).toThrow(
      "Fn::ImportValue in resource Fn of stack Stateless: no stack of the assembly exports 'Nope'");
    expect(() => local.resolve(stateless, { Ref: 'Missing' }, 'Fn')).toThrow(
      "Ref Missing in resource Fn of stack Stateless: stack Stateless has no resource or parameter 'Missing'");
  });

  test('names a local attribute that does not exist', () => {
    const local = twoStacks();
    const stateful = local.stack('Stateful');
    local.register(stateful, 'Table', { ref: 'appointments', attributes: { Arn: 'arn:table' } });
    expect(() => local.resolve(stateful, { 'Fn::GetAtt': ['Table', 'StreamArn'] }, 'X')).toThrow(
      "Fn::GetAtt Table.StreamArn in resource X of stack Stateful: the local AWS::DynamoDB::Table has no attribute 'StreamArn' (it has Arn)");
  });
});
