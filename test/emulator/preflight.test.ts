// Issue 18, "Hostile or broken assemblies": everything a local run reads from the assembly is checked
// before any service starts (tools/emulator/preflight.ts), so a broken assembly fails naming what is
// wrong, and no JVM is started for nothing. Each assembly here is small and written into a temp dir.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Template } from '../../tools/cloudformation/template';
import { startLocalApp } from '../../tools/emulator/app';
import { startDynamoDBLocal } from '../../tools/emulator/backends/dynamodb-local';
import { startSqsEmulator } from '../../tools/emulator/backends/sqs-emulator';
import { checkLocalApp } from '../../tools/emulator/preflight';

// Starting a service is only watched here, to prove that nothing starts before the assembly is
// checked: a start fails at once, so a run that starts services before checking fails with that.
jest.mock('../../tools/emulator/backends/dynamodb-local', () => ({ startDynamoDBLocal: jest.fn(async () => { throw new Error('DynamoDB Local was started'); }) }));
jest.mock('../../tools/emulator/backends/sqs-emulator', () => ({ startSqsEmulator: jest.fn(async () => { throw new Error('the SQS emulator was started'); }) }));

const directories: string[] = [];
afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

/** A directory holding `cdk.out` (the assembly) and room beside it for what a hostile assembly points at. */
function workspace(): { root: string; assembly: string } {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'preflight-')));
  directories.push(root);
  const assembly = path.join(root, 'cdk.out');
  mkdirSync(path.join(assembly, 'asset.abc'), { recursive: true });
  writeFileSync(path.join(assembly, 'asset.abc', 'index.js'), 'exports.handler = async () => [];');
  return { root, assembly };
}

function writeStack(assembly: string, template: Template): void {
  writeFileSync(path.join(assembly, 'Stack.template.json'), JSON.stringify(template));
  writeFileSync(path.join(assembly, 'manifest.json'), JSON.stringify({
    version: '39.0.0',
    artifacts: { Stack: { type: 'aws:cloudformation:stack', environment: 'aws://123456789012/eu-west-1', properties: { templateFile: 'Stack.template.json' } } },
  }));
}

const fn = (assetPath: string, handler = 'index.handler') => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Runtime: 'nodejs22.x', Handler: handler, Code: { S3Bucket: 'b', S3Key: 'k.zip' } },
  Metadata: { 'aws:asset:path': assetPath, 'aws:asset:property': 'Code' },
});

const TABLE = {
  Type: 'AWS::DynamoDB::Table',
  Properties: {
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
  },
};

const pipe = (source: unknown) => ({
  Type: 'AWS::Pipes::Pipe',
  Properties: {
    Source: source,
    SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'LATEST', BatchSize: 10 } },
    Enrichment: { 'Fn::GetAtt': ['Fn', 'Arn'] },
    Target: { 'Fn::GetAtt': ['Queue', 'Arn'] },
  },
});

/** The hostile assemblies, and what the check says of each. */
const HOSTILE: [string, (root: string, assembly: string) => Template, (root: string, assembly: string) => string][] = [
  ['a function whose asset climbs out of the assembly', (root) => {
    mkdirSync(path.join(root, 'evil'));
    writeFileSync(path.join(root, 'evil', 'index.js'), 'exports.handler = async () => "ran outside";');
    return { Resources: { Fn: fn('../evil') } };
  }, (_root, assembly) => `Function Fn cannot run locally: its asset path "../evil" is outside the cloud assembly ${assembly}`],
  ['a handler whose module climbs out of its asset', (root) => {
    writeFileSync(path.join(root, 'x.js'), 'exports.handler = async () => "ran outside";');
    return { Resources: { Fn: fn('asset.abc', '../../x.handler') } };
  }, (_root, assembly) => `Function Fn cannot run locally: its Handler module "../../x.js" is outside its asset ${assembly}/asset.abc`],
  ['a pipe reading the stream of a table that is not in the app', () => ({
    Resources: {
      Orders: TABLE,
      Queue: { Type: 'AWS::SQS::Queue' },
      Fn: fn('asset.abc'),
      Pipe: pipe('arn:aws:dynamodb:eu-west-1:123456789012:table/Elsewhere/stream/2026-01-01T00:00:00.000'),
    },
  }), () => "Pipe Pipe of stack Stack reads the stream of table 'Elsewhere' (arn:aws:dynamodb:eu-west-1:123456789012:table/Elsewhere/stream/2026-01-01T00:00:00.000), "
    + 'which is not a table of this app; its tables with a stream: Stack/Orders'],
  ['conditions that need each other', () => ({
    Conditions: { A: { Condition: 'B' }, B: { Condition: 'A' } },
    Resources: { Queue: { Type: 'AWS::SQS::Queue', Condition: 'A' } },
  }), () => 'circular reference: A -> B -> A in stack Stack'],
];

describe('checkLocalApp', () => {
  test.each(HOSTILE)('refuses %s', async (_label, build, message) => {
    const { root, assembly } = workspace();
    writeStack(assembly, build(root, assembly));
    await expect(checkLocalApp(assembly)).rejects.toThrow(message(root, assembly));
  });

  test('accepts an asset outside the assembly when its path is absolute, as `cdk synth --no-staging` writes it', async () => {
    const { root, assembly } = workspace();
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'src', 'index.js'), 'exports.handler = async () => [];');
    writeStack(assembly, { Resources: { Fn: fn(path.join(root, 'src')) } });
    await expect(checkLocalApp(assembly)).resolves.toMatchObject({ directory: assembly });
  });

  test('accepts a pipe reading the stream of a table of the app', async () => {
    const { assembly } = workspace();
    writeStack(assembly, {
      Resources: { Orders: TABLE, Queue: { Type: 'AWS::SQS::Queue' }, Fn: fn('asset.abc'), Pipe: pipe({ 'Fn::GetAtt': ['Orders', 'StreamArn'] }) },
    });
    await expect(checkLocalApp(assembly)).resolves.toMatchObject({ stacks: [{ id: 'Stack' }] });
  });
});

describe('startLocalApp checks the assembly before it starts anything', () => {
  test.each(HOSTILE)('%s fails naming it, without starting DynamoDB Local or the SQS emulator', async (_label, build, message) => {
    const { root, assembly } = workspace();
    writeStack(assembly, build(root, assembly));
    jest.mocked(startDynamoDBLocal).mockClear();
    jest.mocked(startSqsEmulator).mockClear();
    await expect(startLocalApp({ assemblyDir: assembly, log: () => undefined })).rejects.toThrow(message(root, assembly));
    expect(startDynamoDBLocal).not.toHaveBeenCalled();
    expect(startSqsEmulator).not.toHaveBeenCalled();
  });
});
