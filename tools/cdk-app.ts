/**
 * The `--app` of `local`, read as the CDK CLI reads its own: a cloud assembly directory, or a command
 * that synthesizes the app; without `--app`, `cdk.json`'s `app` (and, without one, its `output`
 * directory, else `cdk.out`).
 *
 * The CDK CLI (aws/aws-cdk-cli, `packages/aws-cdk/lib/cxapp/exec.ts`) treats an `--app` that is an
 * existing directory as a cloud assembly and anything else as a command line, run through the shell
 * with the output directory in `CDK_OUTDIR` and the context in `CDK_CONTEXT_JSON`; a lone `.js` file
 * that is not executable runs with node. aws-cdk-lib's `App` reads both variables
 * (`cx-api`'s OUTDIR_ENV and CONTEXT_ENV). Here the command writes into a folder of the run's own,
 * so that a local run never overwrites the `cdk.out` a deployment uses.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Where the app comes from: a synthesized cloud assembly, or a command that makes one. */
export type AppSource =
  | { readonly kind: 'assembly'; readonly directory: string; readonly origin: string }
  | { readonly kind: 'command'; readonly command: string; readonly cwd: string; readonly context: Record<string, unknown>; readonly origin: string };

interface CdkJson {
  readonly app?: unknown;
  readonly output?: unknown;
  readonly context?: unknown;
}

function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function isAssembly(directory: string): boolean {
  return existsSync(path.join(directory, 'manifest.json'));
}

/** The first word of a command line (double quotes group, as the CDK CLI splits it) and the rest. */
function splitFirstWord(commandLine: string): [string, string] {
  const line = commandLine.trim();
  if (line.startsWith('"')) {
    const end = line.indexOf('"', 1);
    return end > 0 ? [line.slice(1, end), line.slice(end + 1).trim()] : [line, ''];
  }
  const space = line.search(/\s/);
  return space < 0 ? [line, ''] : [line.slice(0, space), line.slice(space + 1).trim()];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A program the shell would find: a path to a file, or a name on the PATH. */
function findProgram(word: string, cwd: string, env: NodeJS.ProcessEnv): boolean {
  if (word.includes('/') || word.includes(path.sep)) {
    return existsSync(path.resolve(cwd, word));
  }
  return (env.PATH ?? '').split(path.delimiter).filter(Boolean).some((directory) => {
    const candidate = path.join(directory, word);
    return existsSync(candidate) && statSync(candidate).isFile() && isExecutable(candidate);
  });
}

const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);

/**
 * Where the app comes from, for `local --app <app>` (or no `--app`) run in `cwd`.
 * @throws when neither a cloud assembly nor a runnable command can be made of it, saying what was looked for
 */
export function resolveApp(app: string | undefined, cwd: string, env: NodeJS.ProcessEnv = process.env): AppSource {
  const cdkJsonFile = path.join(cwd, 'cdk.json');
  const cdkJson = (readJson(cdkJsonFile) ?? {}) as CdkJson;
  const cdkJsonApp = Array.isArray(cdkJson.app) ? cdkJson.app.join(' ') : cdkJson.app;
  if (cdkJsonApp !== undefined && typeof cdkJsonApp !== 'string') {
    throw new Error(`"app" in ${cdkJsonFile} must be a string (a command or a cloud assembly directory), got ${JSON.stringify(cdkJson.app)}`);
  }
  const chosen = app ?? cdkJsonApp;
  const origin = app !== undefined ? '--app' : `"app" in ${cdkJsonFile}`;

  if (chosen === undefined) {
    if (cdkJson.output !== undefined && typeof cdkJson.output !== 'string') {
      throw new Error(`"output" in ${cdkJsonFile} must be a string, got ${JSON.stringify(cdkJson.output)}`);
    }
    const directory = path.resolve(cwd, (cdkJson.output as string | undefined) ?? 'cdk.out');
    if (isAssembly(directory)) {
      return { kind: 'assembly', directory, origin: cdkJson.output !== undefined ? `"output" in ${cdkJsonFile}` : 'the default cdk.out' };
    }
    throw new Error(`No app to run: no --app was given, ${existsSync(cdkJsonFile) ? `${cdkJsonFile} has no "app"` : `there is no cdk.json in ${cwd}`}, `
      + `and ${directory} is not a cloud assembly. Run this in your CDK app's folder (where cdk.json is), or pass --app with the `
      + 'cloud assembly directory (what \'cdk synth\' writes) or the command that synthesizes your app.');
  }

  const directory = path.resolve(cwd, chosen);
  if (existsSync(directory) && statSync(directory).isDirectory()) {
    if (!isAssembly(directory)) {
      throw new Error(`${origin} ${chosen} is a directory but not a cloud assembly (it has no manifest.json); give the folder 'cdk synth' writes (cdk.out by default).`);
    }
    return { kind: 'assembly', directory, origin };
  }

  // A lone JavaScript file runs with node unless it is executable itself, as in the CDK CLI.
  const [first, rest] = splitFirstWord(chosen);
  const firstFile = path.resolve(cwd, first);
  let command = chosen;
  if (first.endsWith('.js') && existsSync(firstFile) && statSync(firstFile).isFile() && !isExecutable(firstFile)) {
    command = `${quote(process.execPath)} ${quote(firstFile)} ${rest}`.trim();
  } else if (!findProgram(first, cwd, env)) {
    throw new Error(`${origin} '${chosen}' is neither a cloud assembly directory (${directory} does not exist) nor a command that can run here `
      + `('${first}' is not a file in ${cwd} nor a program on the PATH). Give the directory 'cdk synth' writes (cdk.out by default) `
      + 'or the command that synthesizes your app (cdk.json\'s "app", such as \'npx ts-node --prefer-ts-exts bin/app.ts\').');
  }
  const context = {
    ...(readJson(path.join(cwd, 'cdk.context.json')) ?? {}),
    ...(cdkJson.context && typeof cdkJson.context === 'object' ? cdkJson.context as Record<string, unknown> : {}),
  };
  return { kind: 'command', command, cwd, context, origin };
}

/**
 * Runs the app's command into `outdir` as the CDK CLI would (`CDK_OUTDIR`, `CDK_CONTEXT_JSON`), its
 * output going to `log` (stdout stays free for `READY`). Resolves to `outdir` once it holds a cloud
 * assembly.
 */
export async function synthesize(source: Extract<AppSource, { kind: 'command' }>, outdir: string, log: (line: string) => void): Promise<string> {
  log(`Synthesizing with ${source.origin}: ${source.command}`);
  const child = spawn(source.command, {
    cwd: source.cwd,
    shell: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(source.context) },
  });
  let pending = '';
  const forward = (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop() ?? '';
    lines.forEach((line) => log(`[synth] ${line}`));
  };
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : null)));
  });
  if (pending) log(`[synth] ${pending}`);
  if (code !== 0) {
    throw new Error(`Synthesizing the app failed: '${source.command}' exited with ${code} (its output is above)`);
  }
  if (!isAssembly(outdir)) {
    throw new Error(`'${source.command}' ran, but wrote no cloud assembly to ${outdir} (CDK_OUTDIR): does it call app.synth(), and does its App take its outdir from CDK_OUTDIR (no outdir given)?`);
  }
  return outdir;
}
