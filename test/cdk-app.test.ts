// `local --app` read as the CDK CLI reads it: a cloud assembly directory or a command; without it,
// cdk.json's "app", else its "output" directory, else cdk.out; a typo is named, never synthesized into.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveApp, synthesize } from '../tools/cdk-app';

let cwd: string;
const assembly = (directory: string) => {
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'manifest.json'), '{"version":"39.0.0"}');
};
beforeEach(() => { cwd = mkdtempSync(path.join(tmpdir(), 'cdk-app-test-')); });
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

describe('resolveApp', () => {
  test('without --app, runs cdk.json\'s "app", with cdk.context.json and cdk.json\'s context (cdk.json wins)', () => {
    writeFileSync(path.join(cwd, 'cdk.json'), JSON.stringify({ app: 'npx ts-node --prefer-ts-exts bin/app.ts', context: { flag: 'from-cdk.json', only: 1 } }));
    writeFileSync(path.join(cwd, 'cdk.context.json'), JSON.stringify({ flag: 'from-cdk.context.json', lookup: 'vpc-1' }));

    expect(resolveApp(undefined, cwd)).toEqual({
      kind: 'command',
      command: 'npx ts-node --prefer-ts-exts bin/app.ts',
      cwd,
      context: { flag: 'from-cdk.json', only: 1, lookup: 'vpc-1' },
      origin: `"app" in ${path.join(cwd, 'cdk.json')}`,
    });
  });

  test('--app wins over cdk.json; a directory with manifest.json is a cloud assembly', () => {
    writeFileSync(path.join(cwd, 'cdk.json'), JSON.stringify({ app: 'npx ts-node bin/app.ts' }));
    assembly(path.join(cwd, 'out'));

    expect(resolveApp('out', cwd)).toEqual({ kind: 'assembly', directory: path.join(cwd, 'out'), origin: '--app' });
  });

  test('without --app nor an "app" in cdk.json, takes cdk.json\'s "output", else cdk.out', () => {
    assembly(path.join(cwd, 'cdk.out'));
    expect(resolveApp(undefined, cwd)).toEqual({ kind: 'assembly', directory: path.join(cwd, 'cdk.out'), origin: 'the default cdk.out' });

    writeFileSync(path.join(cwd, 'cdk.json'), JSON.stringify({ output: 'build/assembly' }));
    assembly(path.join(cwd, 'build', 'assembly'));
    expect(resolveApp(undefined, cwd)).toEqual({ kind: 'assembly', directory: path.join(cwd, 'build', 'assembly'), origin: `"output" in ${path.join(cwd, 'cdk.json')}` });
  });

  test('a lone JavaScript file that is not executable runs with node, as in the CDK CLI', () => {
    writeFileSync(path.join(cwd, 'app.js'), '');
    chmodSync(path.join(cwd, 'app.js'), 0o644);

    expect(resolveApp('app.js', cwd)).toMatchObject({ kind: 'command', command: `${process.execPath} ${path.join(cwd, 'app.js')}` });
  });

  test('a typo is named as neither a directory nor a command, and nothing is synthesized into it', () => {
    assembly(path.join(cwd, 'cdk.out'));

    expect(() => resolveApp('cdk.otu', cwd, { PATH: '/usr/bin:/bin' })).toThrow(
      `--app 'cdk.otu' is neither a cloud assembly directory (${path.join(cwd, 'cdk.otu')} does not exist) nor a command that can run here `
      + `('cdk.otu' is not a file in ${cwd} nor a program on the PATH). Give the directory 'cdk synth' writes (cdk.out by default) `
      + 'or the command that synthesizes your app (cdk.json\'s "app", such as \'npx ts-node --prefer-ts-exts bin/app.ts\').');
    expect(existsSync(path.join(cwd, 'cdk.otu'))).toBe(false);
  });

  test('a directory that is not a cloud assembly is refused', () => {
    mkdirSync(path.join(cwd, 'src'));

    expect(() => resolveApp('src', cwd)).toThrow("--app src is a directory but not a cloud assembly (it has no manifest.json); give the folder 'cdk synth' writes (cdk.out by default).");
  });

  test('with nothing to run, says where it looked', () => {
    expect(() => resolveApp(undefined, cwd)).toThrow(
      `No app to run: no --app was given, there is no cdk.json in ${cwd}, and ${path.join(cwd, 'cdk.out')} is not a cloud assembly. `
      + 'Run this in your CDK app\'s folder (where cdk.json is), or pass --app with the cloud assembly directory (what \'cdk synth\' writes) '
      + 'or the command that synthesizes your app.');
  });

  test('a cdk.json that is not JSON is named', () => {
    writeFileSync(path.join(cwd, 'cdk.json'), '{ app: ');

    expect(() => resolveApp(undefined, cwd)).toThrow(new RegExp(`^${path.join(cwd, 'cdk.json').replace(/[.]/g, '\\.')} is not valid JSON: `));
  });
});

describe('synthesize', () => {
  test('runs the command through the shell with CDK_OUTDIR and CDK_CONTEXT_JSON, its output on the log', async () => {
    const script = path.join(cwd, 'synth.js');
    writeFileSync(script, [
      "const fs = require('fs'); const path = require('path');",
      'fs.mkdirSync(process.env.CDK_OUTDIR, { recursive: true });',
      "fs.writeFileSync(path.join(process.env.CDK_OUTDIR, 'manifest.json'), process.env.CDK_CONTEXT_JSON);",
      "console.log('synthesized');",
    ].join('\n'));
    const outdir = path.join(cwd, 'run', 'cdk.out');
    const logs: string[] = [];

    const result = await synthesize({ kind: 'command', command: `node ${script}`, cwd, context: { flag: true }, origin: '--app' }, outdir, (line) => logs.push(line));

    expect(result).toBe(outdir);
    expect(JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'))).toEqual({ flag: true });
    expect(logs).toEqual([`Synthesizing with --app: node ${script}`, '[synth] synthesized']);
  });

  test('a failing command, or one that writes no assembly, is an error that says which', async () => {
    const source = { kind: 'command' as const, command: 'node -e "process.exit(3)"', cwd, context: {}, origin: '--app' };
    await expect(synthesize(source, path.join(cwd, 'out'), () => {})).rejects.toThrow('Synthesizing the app failed: \'node -e "process.exit(3)"\' exited with 3 (its output is above)');
    await expect(synthesize({ ...source, command: 'true' }, path.join(cwd, 'out'), () => {})).rejects.toThrow(
      `'true' ran, but wrote no cloud assembly to ${path.join(cwd, 'out')} (CDK_OUTDIR): does it call app.synth(), and does its App take its outdir from CDK_OUTDIR (no outdir given)?`);
  });
});
