/**
 * Command line front end of the dead-letter replay tool; see replay.ts for how it works.
 *
 *   npx ts-node tools/replay/cli.ts --help
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  ALL_EVENT_NAMES,
  createFileDeliverer,
  createQueueDeliverer,
  DEFAULT_EVENT_NAMES,
  Deliver,
  replayDeadLetters,
} from './replay';

export const USAGE = `Replay records that the EnrichedStreamToQueue pipe sent to its dead-letter queue.

Each dead-letter message only says where the failed batch sits in the DynamoDB stream; this tool reads
those records back from the stream (possible for 24 hours) and writes them, in the JSON shape the pipe
passes to the enrichment, to a file or to an SQS queue. Delivery is at least once.

Usage:
  npx ts-node tools/replay/cli.ts --dead-letter-queue-url <url> [options]

Options:
  --dead-letter-queue-url <url>  The pipe's source dead-letter queue (required).
  --out <file>                   Write the records to <file> as one JSON array (default: records.json).
                                 The file must not exist yet.
  --to-queue-url <url>           Send each record as one message to this SQS queue instead of a file.
  --max-messages <n>             Handle at most <n> dead-letter messages (default: 100).
  --delete                       Delete each dead-letter message once its records are written to the file.
                                 (With --out, messages are kept by default.)
  --keep                         Keep dead-letter messages when sending to --to-queue-url
                                 (with --to-queue-url, messages are deleted by default).
  --event-names <A,B>            Only replay records with these event names (default: INSERT, the
                                 construct's default filter). Match your pipe's filter if you changed it.
  --all-events                   Replay INSERT, MODIFY and REMOVE records.
  --region <region>              AWS region (default: from the queue URL, else the SDK's default chain).
  --help                         Show this text.

Credentials come from the AWS SDK default credential chain (environment, profile, SSO, instance role).
Exit status: 0 all handled, 1 some messages failed (they stay on the dead-letter queue), 2 usage error.
`;

export interface CliOptions {
  readonly deadLetterQueueUrl: string;
  /** Set in file mode. */
  readonly out?: string;
  /** Set in queue mode. */
  readonly toQueueUrl?: string;
  readonly maxMessages: number;
  readonly deleteAfterReplay: boolean;
  readonly eventNames: readonly string[];
  readonly region?: string;
}

export type ParsedArgs = { readonly help: true } | ({ readonly help: false } & CliOptions);

/** Bad command line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const VALUE_FLAGS = ['--dead-letter-queue-url', '--out', '--to-queue-url', '--max-messages', '--event-names', '--region'];
const BOOLEAN_FLAGS = ['--delete', '--keep', '--all-events', '--help', '-h'];

/** Parses the arguments after the script name (`process.argv.slice(2)`). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.includes(name)) {
      let value: string | undefined;
      if (name !== arg) {
        value = arg.slice(eq + 1);
      } else {
        value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
        i++;
      }
      if (value === '') throw new UsageError(`${name} needs a value`);
      if (values.has(name)) throw new UsageError(`${name} given more than once`);
      values.set(name, value);
    } else if (BOOLEAN_FLAGS.includes(arg)) {
      flags.add(arg);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      throw new UsageError(`unexpected argument ${arg}`);
    }
  }

  if (flags.has('--help') || flags.has('-h')) return { help: true };

  const deadLetterQueueUrl = values.get('--dead-letter-queue-url');
  if (!deadLetterQueueUrl) throw new UsageError('--dead-letter-queue-url is required');
  const toQueueUrl = values.get('--to-queue-url');
  if (toQueueUrl !== undefined && values.has('--out')) throw new UsageError('use either --out or --to-queue-url, not both');
  for (const [flag, url] of [['--dead-letter-queue-url', deadLetterQueueUrl], ['--to-queue-url', toQueueUrl]] as const) {
    if (url !== undefined && !/^https?:\/\//.test(url)) throw new UsageError(`${flag} must be a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), got ${url}`);
  }
  if (toQueueUrl !== undefined && toQueueUrl === deadLetterQueueUrl) throw new UsageError('--to-queue-url must not be the dead-letter queue itself');

  let maxMessages = 100;
  const maxText = values.get('--max-messages');
  if (maxText !== undefined) {
    if (!/^\d+$/.test(maxText) || Number(maxText) < 1) throw new UsageError(`--max-messages must be a positive integer, got ${maxText}`);
    maxMessages = Number(maxText);
  }

  if (flags.has('--delete') && flags.has('--keep')) throw new UsageError('use either --delete or --keep, not both');
  const deleteAfterReplay = toQueueUrl !== undefined ? !flags.has('--keep') : flags.has('--delete');

  let eventNames = DEFAULT_EVENT_NAMES;
  const namesText = values.get('--event-names');
  if (namesText !== undefined && flags.has('--all-events')) throw new UsageError('use either --event-names or --all-events, not both');
  if (flags.has('--all-events')) eventNames = ALL_EVENT_NAMES;
  if (namesText !== undefined) {
    const names = namesText.split(',').map(n => n.trim().toUpperCase()).filter(n => n !== '');
    const unknown = names.filter(n => !ALL_EVENT_NAMES.includes(n));
    if (names.length === 0 || unknown.length > 0) {
      throw new UsageError(`--event-names takes a comma-separated list of ${ALL_EVENT_NAMES.join(', ')}, got ${namesText}`);
    }
    eventNames = [...new Set(names)];
  }

  return {
    help: false,
    deadLetterQueueUrl,
    ...(toQueueUrl !== undefined ? { toQueueUrl } : { out: values.get('--out') ?? 'records.json' }),
    maxMessages,
    deleteAfterReplay,
    eventNames,
    region: values.get('--region'),
  };
}

/** `https://sqs.eu-west-1.amazonaws.com/...` → `eu-west-1`. */
export function regionFromQueueUrl(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\//.exec(url)?.[1];
}

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: text => process.stdout.write(text + '\n'),
  stderr: text => process.stderr.write(text + '\n'),
};

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }

  try {
    const region = args.region ?? regionFromQueueUrl(args.deadLetterQueueUrl);
    const sqs = new SQSClient(region ? { region } : {});
    const streams = new DynamoDBStreamsClient(region ? { region } : {});

    let deliver: Deliver;
    let written: (() => number) | undefined;
    if (args.toQueueUrl !== undefined) {
      deliver = createQueueDeliverer(sqs, args.toQueueUrl);
    } else {
      const file = await createFileDeliverer(args.out!);
      deliver = file.deliver;
      written = file.written;
    }

    io.stderr(`Replaying from ${args.deadLetterQueueUrl} (event names: ${args.eventNames.join(', ')}; `
      + `dead-letter messages will be ${args.deleteAfterReplay ? 'deleted after delivery' : 'kept'})`);
    const summary = await replayDeadLetters({
      sqs,
      streams,
      deadLetterQueueUrl: args.deadLetterQueueUrl,
      deliver,
      maxMessages: args.maxMessages,
      deleteAfterReplay: args.deleteAfterReplay,
      eventNames: args.eventNames,
      log: line => io.stderr(line),
    });

    const target = args.toQueueUrl ?? (written && written() > 0 ? args.out : `${args.out} (not written: nothing to write)`);
    io.stdout(`Received ${summary.received} dead-letter message(s); replayed ${summary.messages}, `
      + `${summary.records} record(s) to ${target}; ${summary.skippedRecords} record(s) left out by the event-name filter; `
      + `deleted ${summary.deleted} dead-letter message(s).`);
    if (summary.failed.length > 0) {
      io.stderr(`${summary.failed.length} message(s) failed and stay on the dead-letter queue:`);
      for (const f of summary.failed) io.stderr(`  ${f.messageId}: ${f.error}`);
      return 1;
    }
    return 0;
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    code => { process.exitCode = code; },
    err => {
      process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
