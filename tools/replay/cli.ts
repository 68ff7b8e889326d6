/**
 * Command line front end of the dead-letter replay; see replay.ts for how it works.
 *
 *   node_modules/.bin/ts-node --transpile-only --project tsconfig.dev.json tools/replay/cli.ts --help
 *
 * It reads the pipe with DescribePipe and talks to AWS only through SDK clients built with the SDK's
 * default configuration, so the same command runs against AWS and, with the AWS_ENDPOINT_URL_*
 * variables set, against a local pipeline.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DescribePipeCommand, PipesClient } from '@aws-sdk/client-pipes';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Delivery, fileDelivery, pipeDelivery, replayDeadLetters } from './replay';
import { parseOptions, UsageError } from '../cli-args';
import { queueUrlOf } from '../engine/targets/sqs-queue';
import { PipeDefinition } from '../pipe/definition';
import { pipeFromDescribePipe } from '../pipe/from-describe-pipe';

/** Exit statuses. */
export const EXIT = {
  /** Every dead-letter message received was replayed and deleted (or, with --out, read whole and written). */
  OK: 0,
  /** Some messages were kept on the dead-letter queue (incomplete range, expired records, enrichment or target failure, unreadable message). */
  KEPT: 1,
  /** Bad command line, or no region (--region, AWS_REGION, AWS_DEFAULT_REGION or the profile's). */
  USAGE: 2,
  /** The pipe cannot be replayed: DescribePipe failed, the pipe is not one this tool executes, or its dead-letter queue cannot be found. */
  PIPE: 3,
} as const;

export const USAGE = `Replay the batches an EventBridge pipe (DynamoDB stream -> filter -> Lambda enrichment -> SQS)
sent to its source dead-letter queue, through the pipe's own path.

A dead-letter message only says where the failed batch sits in the stream (shard, first and last
sequence number, batch size). For each one this tool reads exactly those records back from the stream
(possible for 24 hours), passes them through the pipe's filter, invokes the pipe's enrichment with
them (in batches no larger than the pipe's batch size) and sends the result to the pipe's target
queue, so consumers receive the same messages as from the live pipe. It reads the pipe's stream,
filter, enrichment, target, batch size and dead-letter queue with DescribePipe.

A dead-letter message is deleted only when every record of its range was read (first and last
sequence number found, as many records as its batchSize) and every record that passes the filter was
delivered. Otherwise it stays on the queue, the reason is printed, and a later run can try again.
Delivery is at least once: a batch that failed half way is delivered again in full by the next run.

Usage:
  replay --pipe-name <name> [options]
  (from a clone of the repository: node_modules/.bin/ts-node --transpile-only --project tsconfig.dev.json
   tools/replay/cli.ts --pipe-name <name> [options])

Options:
  --pipe-name <name>             The pipe whose dead-letter queue to replay (required).
  --dead-letter-queue-url <url>  Read this queue instead of the pipe's DeadLetterConfig queue.
  --out <file>                   Do not deliver: write the records that pass the filter to <file>, as
                                 the one JSON array the enrichment would receive, and keep every
                                 dead-letter message. Incomplete ranges are written too and reported.
                                 The file must not exist yet.
  --max-messages <n>             Handle at most <n> dead-letter messages (default: 100).
  --wait-seconds <n>             Long-poll the dead-letter queue for up to <n> seconds, 0 to 20
                                 (default: 10).
  --region <region>              The pipe's region. Default, as the AWS CLI takes it: AWS_REGION,
                                 else AWS_DEFAULT_REGION, else the region of the profile
                                 (AWS_PROFILE, else default) in the AWS config file.
  --help                         Show this text.

Environment:
  Credentials come from the AWS SDK's default chain (environment, profile, SSO, instance or task
  role). The SDK's AWS_ENDPOINT_URL_PIPES, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_DYNAMODB_STREAMS
  and AWS_ENDPOINT_URL_LAMBDA point it at local endpoints.

IAM permissions needed:
  pipes:DescribePipe                         on the pipe
  sqs:GetQueueUrl, sqs:ReceiveMessage,
  sqs:DeleteMessage,
  sqs:ChangeMessageVisibility                on the source dead-letter queue (the last one makes
                                             kept and written messages visible again at once;
                                             without it they reappear after 5 minutes)
  dynamodb:GetShardIterator,
  dynamodb:GetRecords                        on the stream (arn:...:table/<table>/stream/*)
  lambda:InvokeFunction                      on the enrichment function
  sqs:GetQueueUrl, sqs:SendMessage           on the target queue
  kms:Decrypt                                on the key of a KMS-encrypted dead-letter queue
  kms:GenerateDataKey, kms:Decrypt           on the key of a KMS-encrypted target queue
  (not needed with --out: lambda:InvokeFunction, the target queue's permissions, sqs:DeleteMessage)

Exit status:
  0  every dead-letter message received was replayed and deleted (with --out: read whole and written)
  1  some messages were kept on the dead-letter queue (each is listed with the reason), or the run
     stopped on an error (printed); kept messages are retried by the next run
  2  usage error, or no region (see --region)
  3  the pipe cannot be replayed (not found, access denied, not a DynamoDB stream -> Lambda -> SQS
     pipe, or no dead-letter queue)
`;

export interface CliOptions {
  readonly pipeName: string;
  /** --region, when given; see {@link resolveRegion} for the rest of the chain. */
  readonly region?: string;
  readonly deadLetterQueueUrl?: string;
  readonly out?: string;
  readonly maxMessages: number;
  readonly waitSeconds: number;
}

export type ParsedArgs = { readonly help: true } | ({ readonly help: false } & CliOptions);

export { UsageError };

/** Options of the earlier replay tool, with what replaced them. */
const REMOVED_FLAGS: Record<string, string> = {
  'to-queue-url': 'records now go through the pipe\'s enrichment to its own target queue; use --out <file> to write them instead',
  'event-names': 'the pipe\'s own filter now selects the records',
  'all-events': 'the pipe\'s own filter now selects the records',
  'delete': 'a message is now deleted exactly when every record of its range was delivered',
  'keep': 'a message is now deleted exactly when every record of its range was delivered; use --out <file> to keep every message',
};
const OPTIONS = {
  'pipe-name': 'string',
  'dead-letter-queue-url': 'string',
  'out': 'string',
  'max-messages': 'string',
  'wait-seconds': 'string',
  'region': 'string',
} as const;
/** The Pipes API's constraint on a pipe name: https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_DescribePipe.html */
const PIPE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
/** A region code such as eu-west-1 or us-gov-west-1. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function integerOption(text: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${text}`);
  }
  return Number(text);
}

/** Parses the arguments after the script name (`process.argv.slice(2)`). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = parseOptions(argv, OPTIONS, { command: 'replay', removed: REMOVED_FLAGS }) as Partial<Record<keyof typeof OPTIONS, string>> & { help?: boolean };
  if (values.help) return { help: true };

  const pipeName = values['pipe-name'];
  if (!pipeName) throw new UsageError('--pipe-name is required');
  if (!PIPE_NAME.test(pipeName)) {
    throw new UsageError(`--pipe-name must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '-' and '_', got ${pipeName}`);
  }
  const deadLetterQueueUrl = values['dead-letter-queue-url'];
  if (deadLetterQueueUrl !== undefined && !/^https?:\/\/[^/]+\/\d{12}\/[^/]+$/.test(deadLetterQueueUrl)) {
    throw new UsageError(`--dead-letter-queue-url must be a queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), got ${deadLetterQueueUrl}`);
  }
  const region = values.region;
  if (region !== undefined && !REGION.test(region)) {
    throw new UsageError(`--region must be a region code such as eu-west-1, got ${region}`);
  }

  return {
    help: false,
    pipeName,
    ...(region !== undefined ? { region } : {}),
    ...(deadLetterQueueUrl !== undefined ? { deadLetterQueueUrl } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
    maxMessages: integerOption(values['max-messages'], '--max-messages', 100, 1, 1_000_000),
    // ReceiveMessage's WaitTimeSeconds range: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
    waitSeconds: integerOption(values['wait-seconds'], '--wait-seconds', 10, 0, 20),
  };
}

/**
 * The pipe's region, taken as the AWS CLI takes it: `--region`, else `AWS_REGION`, else
 * `AWS_DEFAULT_REGION`, else the `region` of the profile (`AWS_PROFILE`, else `default`) in the
 * shared config file (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html).
 * The JavaScript SDK's own chain reads AWS_REGION and then the profile but not AWS_DEFAULT_REGION
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html), so that one is read here and
 * the profile is left to the SDK. Undefined when none is set.
 */
export async function resolveRegion(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromEnvironment = flag ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined);
  if (fromEnvironment !== undefined) return fromEnvironment;
  // The SDK's provider chain for the rest: the profile's region (AWS_PROFILE, AWS_CONFIG_FILE).
  const client = new SQSClient(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {});
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The environment to read AWS_REGION, AWS_DEFAULT_REGION and AWS_PROFILE from. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

const processIo: CliIo = {
  stdout: text => process.stdout.write(text + '\n'),
  stderr: text => process.stderr.write(text + '\n'),
};

/** The pipe, read with DescribePipe, and the URL of the dead-letter queue to replay. */
async function loadPipe(args: CliOptions, pipes: PipesClient, sqs: SQSClient): Promise<{ pipe: PipeDefinition; deadLetterQueueUrl: string }> {
  let pipe: PipeDefinition;
  try {
    pipe = pipeFromDescribePipe(await pipes.send(new DescribePipeCommand({ Name: args.pipeName })));
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'NotFoundException') throw new Error(`Pipe ${args.pipeName} does not exist in ${await pipes.config.region()} (DescribePipe: ${(err as Error).message})`);
    if (name === 'UnsupportedPipeError') throw err;
    throw new Error(`DescribePipe ${args.pipeName} failed: ${name}: ${(err as Error).message}`);
  }
  if (args.deadLetterQueueUrl) return { pipe, deadLetterQueueUrl: args.deadLetterQueueUrl };
  const arn = pipe.source.deadLetterQueueArn;
  if (!arn) {
    throw new Error(`Pipe ${pipe.name} has no dead-letter queue (SourceParameters.DynamoDBStreamParameters.DeadLetterConfig); pass --dead-letter-queue-url`);
  }
  try {
    return { pipe, deadLetterQueueUrl: await queueUrlOf(sqs, arn) };
  } catch (err) {
    throw new Error(`Cannot find the dead-letter queue ${arn} (GetQueueUrl: ${(err as Error).name}: ${(err as Error).message})`);
  }
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n\n${USAGE}`);
      return EXIT.USAGE;
    }
    throw err;
  }
  if (args.help) {
    io.stdout(USAGE);
    return EXIT.OK;
  }
  const region = await resolveRegion(args.region, io.env ?? process.env);
  if (region === undefined) {
    io.stderr('error: no region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION, or a region in your AWS profile (for example --region eu-west-1)');
    return EXIT.USAGE;
  }

  // The SDK's default configuration for the rest: credentials and AWS_ENDPOINT_URL_* from the environment.
  const sqs = new SQSClient({ region });
  const clients = { sqs, lambda: new LambdaClient({ region }) };
  const streams = new DynamoDBStreamsClient({ region });
  const pipes = new PipesClient({ region });
  try {
    let loaded;
    try {
      loaded = await loadPipe(args, pipes, sqs);
    } catch (err) {
      io.stderr(`error: ${(err as Error).message}`);
      return EXIT.PIPE;
    }
    const { pipe, deadLetterQueueUrl } = loaded;

    let delivery: Delivery;
    let written: (() => number) | undefined;
    if (args.out !== undefined) {
      const file = await fileDelivery(args.out);
      delivery = file;
      written = () => file.written();
    } else {
      delivery = pipeDelivery(pipe, clients);
    }
    const path = `${pipe.filterPatterns.length} filter pattern(s)${pipe.enrichment ? `, enrichment ${pipe.enrichment.arn}` : ', no enrichment'}, `
      + (args.out !== undefined ? `writing to ${args.out}` : `target ${pipe.target.queueArn}, batches of at most ${pipe.source.batchSize}`);
    io.stderr(`Replaying ${deadLetterQueueUrl} through pipe ${pipe.name} (${path})`);

    const summary = await replayDeadLetters({
      pipe,
      sqs,
      streams,
      deadLetterQueueUrl,
      delivery,
      maxMessages: args.maxMessages,
      waitTimeSeconds: args.waitSeconds,
      log: line => io.stderr(line),
    });

    // With --out every message stays on the queue: say so, and count apart those that were not read whole.
    const summaryLine = args.out !== undefined
      ? `Received ${summary.received} dead-letter message(s); wrote ${summary.written} range(s), ${summary.recordsDelivered} record(s) to `
        + `${written && written() > 0 ? args.out : `${args.out} (not written: nothing to write)`}; ${summary.recordsFilteredOut} record(s) left out by the filter; `
        + `all ${summary.received} message(s) left on the queue (--out deletes nothing), ${summary.kept.length} of them incomplete or failed.`
      : `Received ${summary.received} dead-letter message(s); replayed and deleted ${summary.replayed}, delivering ${summary.recordsDelivered} record(s) through the pipe; `
        + `${summary.recordsFilteredOut} record(s) left out by the filter; kept ${summary.kept.length}.`;
    io.stdout(summaryLine);
    if (summary.kept.length > 0) {
      io.stderr(`${summary.kept.length} message(s) stay on the dead-letter queue${args.out !== undefined ? ' incomplete or failed' : ''}:`);
      for (const kept of summary.kept) io.stderr(`  ${kept.messageId}: ${kept.reason}`);
      return EXIT.KEPT;
    }
    return EXIT.OK;
  } catch (err) {
    io.stderr(`error: ${(err as Error).message}`);
    return EXIT.KEPT;
  } finally {
    for (const client of [sqs, clients.lambda, streams, pipes]) client.destroy();
  }
}

// Run when this file is the program (ts-node tools/replay/cli.ts), not when it is bundled into the
// package's `cdk-enriched-stream-to-queue` command (local/cli.js), which calls main() itself.
if (require.main === module && /replay[\\/]cli\.[jt]s$/.test(require.main.filename)) {
  // As the package's command does: no Node.js 20 warning from the SDK on every run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).then(
    code => { process.exitCode = code; },
    err => {
      process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = EXIT.KEPT;
    },
  );
}
