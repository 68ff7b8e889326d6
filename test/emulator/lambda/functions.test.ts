// Which functions of a template can run locally: inline code (Code.ZipFile) runs from the folder it is
// written to, and a function that cannot run is reported with its reason instead of stopping the app.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CfnTemplate, functionsFromTemplate, readFunctions } from '../../../tools/emulator/lambda/functions';

const REGION = 'eu-west-1';
const resolve = (value: unknown): string => {
  const pseudo: Record<string, string> = { 'AWS::StackName': 'MyStack', 'AWS::Region': REGION, 'AWS::AccountId': '111111111111', 'AWS::Partition': 'aws' };
  const ref = (value as { Ref?: string }).Ref;
  if (ref && pseudo[ref]) return pseudo[ref];
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(resolve).join(join[0]);
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
};
const inline = (zipFile: unknown, properties: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { ZipFile: zipFile }, ...properties },
});

let workDir: string;
beforeEach(() => { workDir = mkdtempSync(path.join(tmpdir(), 'functions-test-')); });
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

test('writes inline code (lambda.Code.fromInline) to <logicalId>/index.js, as CloudFormation names it, with its intrinsics resolved', () => {
  const template: CfnTemplate = {
    Resources: { Sender: inline({ 'Fn::Join': ['', ['exports.handler = async () => "', { Ref: 'AWS::Region' }, '";']] }) },
  };

  const { functions, unavailable } = readFunctions(template, workDir, resolve, { inlineCodeDir: path.join(workDir, 'inline') });

  expect(unavailable).toEqual([]);
  expect(functions).toEqual([expect.objectContaining({
    logicalId: 'Sender',
    name: 'MyStack-Sender',
    codeFile: path.join(workDir, 'inline', 'Sender', 'index.js'),
    handler: 'index.handler',
    handlerExport: 'handler',
  })]);
  expect(readFileSync(functions[0].codeFile, 'utf8')).toBe('exports.handler = async () => "eu-west-1";');
});

test('reports inline code whose Handler names another module than index, without writing it', () => {
  const template: CfnTemplate = { Resources: { Sender: inline('exports.main = 1', { Handler: 'app.main' }) } };

  const { functions, unavailable } = readFunctions(template, workDir, resolve, { inlineCodeDir: path.join(workDir, 'inline') });

  expect(functions).toEqual([]);
  expect(unavailable).toEqual([{
    logicalId: 'Sender',
    name: 'MyStack-Sender',
    reason: "its code is inline (Code.ZipFile), which CloudFormation writes to index.js, but its Handler names the module 'app'.",
  }]);
  expect(existsSync(path.join(workDir, 'inline'))).toBe(false);
});

test('sorts the functions that cannot run apart, with their reasons, instead of throwing', () => {
  const template: CfnTemplate = {
    Resources: {
      Sender: inline('exports.handler = async () => 1;'),
      Report: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'python3.12', Handler: 'index.handler', Code: { ZipFile: 'def handler(e, c): pass' } } },
    },
  };

  const { functions, unavailable } = readFunctions(template, workDir, resolve, { inlineCodeDir: workDir });

  expect(functions.map((fn) => fn.logicalId)).toEqual(['Sender']);
  expect(unavailable).toEqual([{
    logicalId: 'Report',
    name: 'MyStack-Report',
    reason: 'its Runtime is "python3.12"; the local Lambda service runs only Node.js runtimes (nodejs*).',
  }]);
  // functionsFromTemplate keeps refusing the whole template, for callers that need every function.
  expect(() => functionsFromTemplate(template, workDir, resolve, { inlineCodeDir: workDir }))
    .toThrow('Function Report cannot run locally: its Runtime is "python3.12"; the local Lambda service runs only Node.js runtimes (nodejs*).');
});
