// Issue 18, "Hostile or broken assemblies": a cloud assembly is read without trusting it. Files it
// names stay inside it, an error never shows what a file holds, and circles end in
// `circular reference: A -> B -> A in ...` instead of a stack overflow.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadCloudAssembly, LocalAssembly, type Template } from '../../tools/cloudformation/assembly';

const directories: string[] = [];
afterAll(() => directories.forEach((directory) => rmSync(directory, { recursive: true, force: true })));

function temporaryDirectory(): string {
  const directory = realpathSync(mkdtempSync(path.join(tmpdir(), 'hostile-assembly-')));
  directories.push(directory);
  return directory;
}

function writeManifest(directory: string, artifacts: Record<string, unknown>): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'manifest.json'), JSON.stringify({ version: '39.0.0', artifacts }));
}

function stackArtifact(templateFile: string, dependencies: string[] = []) {
  return { type: 'aws:cloudformation:stack', environment: 'aws://123456789012/eu-west-1', properties: { templateFile }, dependencies };
}

/** An assembly of stacks with these templates, each in `<id>.template.json`. */
function assemblyOf(templates: Record<string, Template>): string {
  const directory = temporaryDirectory();
  for (const [id, template] of Object.entries(templates)) {
    writeFileSync(path.join(directory, `${id}.template.json`), JSON.stringify(template));
  }
  writeManifest(directory, Object.fromEntries(Object.keys(templates).map((id) => [id, stackArtifact(`${id}.template.json`)])));
  return directory;
}

describe('files the assembly names stay inside it, and are never quoted', () => {
  test('a templateFile that climbs out of the assembly is refused before it is read', () => {
    const directory = temporaryDirectory();
    writeManifest(directory, { Evil: stackArtifact('../../../etc/passwd') });
    expect(() => loadCloudAssembly(directory)).toThrow(
      `Stack Evil in ${directory}/manifest.json: templateFile "../../../etc/passwd" is outside the cloud assembly ${directory}`);
  });

  test('a template that is a link to a file outside the assembly is refused', () => {
    const outside = temporaryDirectory();
    writeFileSync(path.join(outside, 'secret.json'), '{"Resources": {}}');
    const directory = temporaryDirectory();
    symlinkSync(path.join(outside, 'secret.json'), path.join(directory, 'Evil.template.json'));
    writeManifest(directory, { Evil: stackArtifact('Evil.template.json') });
    expect(() => loadCloudAssembly(directory)).toThrow(
      `Stack Evil in ${directory}/manifest.json: templateFile "Evil.template.json" is a link to ${outside}/secret.json, outside the cloud assembly ${directory}`);
  });

  test('a template that is not JSON is reported without its content', () => {
    const directory = temporaryDirectory();
    writeFileSync(path.join(directory, 'Evil.template.json'), 'root:x:0:0:root:/root:/bin/bash\n');
    writeManifest(directory, { Evil: stackArtifact('Evil.template.json') });
    let message = '';
    try {
      loadCloudAssembly(directory);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`Stack Evil in ${directory}/manifest.json: its template Evil.template.json is not valid JSON`);
  });

  test('a manifest that is not JSON is reported without its content, at the position where parsing stopped', () => {
    const directory = temporaryDirectory();
    writeFileSync(path.join(directory, 'manifest.json'), '{"version" "secret"}');
    expect(() => loadCloudAssembly(directory)).toThrow(`${directory}/manifest.json is not valid JSON (at character 11)`);
    expect(() => loadCloudAssembly(directory)).not.toThrow(/secret/);
  });

  test('a template that is JSON but not a template is refused, naming what is wrong', () => {
    const directory = assemblyOf({ Stack: { Resources: { Thing: { Properties: {} } } } as unknown as Template });
    expect(() => loadCloudAssembly(directory)).toThrow(`Stack Stack in ${directory}/manifest.json: its template Stack.template.json: resource Thing has no Type`);
  });

  test('a nested assembly outside the assembly is refused', () => {
    const directory = temporaryDirectory();
    writeManifest(directory, { Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: '../elsewhere' } } });
    expect(() => loadCloudAssembly(directory)).toThrow(
      `Nested assembly Stage in ${directory}/manifest.json: directoryName "../elsewhere" is outside the cloud assembly ${directory}`);
  });
});

describe('circles are reported as circles', () => {
  test('a nested assembly that is the assembly itself (directoryName ".")', () => {
    const directory = temporaryDirectory();
    writeManifest(directory, { Self: { type: 'cdk:cloud-assembly', properties: { directoryName: '.' } } });
    expect(() => loadCloudAssembly(directory)).toThrow(`circular reference: . -> . in the nested assemblies of ${directory}`);
  });

  test('nested assemblies that nest each other', () => {
    const directory = temporaryDirectory();
    writeManifest(directory, { Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Stage' } } });
    writeManifest(path.join(directory, 'assembly-Stage'), { Back: { type: 'cdk:cloud-assembly', properties: { directoryName: '..' } } });
    expect(() => loadCloudAssembly(directory)).toThrow(`circular reference: . -> assembly-Stage -> . in the nested assemblies of ${directory}`);
  });

  test('stacks that depend on each other', () => {
    const directory = temporaryDirectory();
    writeFileSync(path.join(directory, 'A.template.json'), '{}');
    writeFileSync(path.join(directory, 'B.template.json'), '{}');
    writeManifest(directory, { A: stackArtifact('A.template.json', ['B']), B: stackArtifact('B.template.json', ['A']) });
    expect(() => loadCloudAssembly(directory)).toThrow(`circular reference: A -> B -> A in the stack dependencies of ${directory}`);
  });

  test('conditions that need each other', () => {
    const local = new LocalAssembly(loadCloudAssembly(assemblyOf({
      Stack: {
        Conditions: { IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] }, IsDev: { 'Fn::Not': [{ Condition: 'IsProd' }] } },
        Resources: { Queue: { Type: 'AWS::SQS::Queue', Condition: 'IsProd' } },
      },
    })));
    expect(() => local.resolve(local.stack('Stack'), { 'Fn::If': ['IsProd', 'a', 'b'] }, 'Queue')).toThrow('circular reference: IsProd -> IsDev -> IsProd in stack Stack');
  });

  test('resource names that need each other', () => {
    const local = new LocalAssembly(loadCloudAssembly(assemblyOf({
      Stack: {
        Resources: {
          A: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { 'Fn::Sub': '${B}-a' } } },
          B: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: { Ref: 'A' } } },
        },
      },
    })));
    expect(() => local.resolve(local.stack('Stack'), { 'Fn::GetAtt': ['A', 'Arn'] }, 'Pipe')).toThrow('circular reference: A -> B -> A in stack Stack');
  });

  test('exports whose values import each other', () => {
    const local = new LocalAssembly(loadCloudAssembly(assemblyOf({
      One: { Outputs: { X: { Value: { 'Fn::ImportValue': 'two' }, Export: { Name: 'one' } } } },
      Two: { Outputs: { Y: { Value: { 'Fn::ImportValue': 'one' }, Export: { Name: 'two' } } } },
    })));
    expect(() => local.resolve(local.stack('Two'), { 'Fn::ImportValue': 'one' }, 'Fn')).toThrow('circular reference: one -> two -> one in stack One');
  });
});
