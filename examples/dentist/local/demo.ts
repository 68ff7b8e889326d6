/**
 * `npx projen dentist:demo`: watch the dentist pipeline work on this machine, no AWS account needed.
 *
 * Synthesizes the example, runs it locally (DynamoDB Local, fauxqs, the bundled functions, the pipe,
 * the booking API), adds two contacts, books appointments over HTTP, shows the enriched messages,
 * breaks the enrichment on purpose (deletes the contacts table), shows the batch land in the pipe's
 * source dead-letter queue, repairs the table, replays the batch with the replay tool, and stops.
 * The story goes to stdout; the services' own output goes to stderr only when something fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DentistApp, REPO_ROOT, startDentist } from './app';
import { main as addContacts } from '../scripts/add-contacts';

const started = Date.now();
const say = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const step = (number: number, text: string) => say(`\n[${number}/7] ${text}`);

interface Enriched {
  readonly id: string;
  readonly appointment: { patient: { email: string; firstName: string }; date: string; time: string };
  readonly preferredMethod: string;
}

async function main(): Promise<void> {
  const serviceOutput: string[] = [];
  const log = (line: string) => {
    serviceOutput.push(line);
    serviceOutput.splice(0, Math.max(0, serviceOutput.length - 200));
  };
  say('The dentist example, running on this machine: DynamoDB stream → EventBridge pipe (filter, Lambda enrichment) → SQS.');
  step(1, 'Synthesizing examples/dentist and starting DynamoDB Local, the SQS emulator, the functions, the pipe and the booking API...');
  let dentist: DentistApp | undefined;
  const scratch = mkdtempSync(path.join(tmpdir(), 'dentist-demo-'));
  try {
    const begun = Date.now();
    // The example retries a failed batch 180 times (sized for AWS, see stateless-stack.ts); locally the
    // pause between retries is cut to 5 ms, growing to at most 20 ms, so that the failure below dead-letters in seconds.
    dentist = await startDentist({ port: 0, log, retryDelayMs: 5 });
    const { ready, app } = dentist;
    const pipe = app.pipe();
    // The pipe as the Pipes API describes it (DescribePipe, served locally as AWS serves it).
    const described = await dentist.describePipe();
    const stream = described.SourceParameters?.DynamoDBStreamParameters;
    say(`      ready in ${seconds(begun)}`);
    say(`      booking API   ${ready.api}/appointments`);
    say(`      pipe          ${described.Name}: stream of ${ready.appointmentsTable}, filter ${(described.SourceParameters?.FilterCriteria?.Filters ?? []).map((filter) => filter.Pattern).join(' or ')}, batches of up to ${stream?.BatchSize},`);
    say(`                    enrichment ${described.Enrichment?.split(':').pop()}, target queue ${ready.queueUrl.split('/').pop()}`);
    const sqs = new SQSClient({ endpoint: ready.sqs, region: app.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const dynamodb = new DynamoDBClient({ endpoint: ready.dynamodb, region: app.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

    step(2, 'Adding two contacts with the example\'s own script (examples/dentist/scripts/add-contacts.ts):');
    const contactsFile = path.join(scratch, 'contacts.json');
    writeFileSync(contactsFile, JSON.stringify([
      { email: 'jane.doe@example.com', preferredMethod: 'email' },
      { email: 'john.smith@example.com', preferredMethod: 'sms' },
    ]));
    say('      jane.doe@example.com prefers email, john.smith@example.com prefers sms');
    await runAddContacts(ready.contactsTable, contactsFile);

    step(3, 'Booking appointments through POST /appointments:');
    const bookings = [
      { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com', date: '2030-01-15', time: '09:30' },
      { firstName: 'John', lastName: 'Smith', email: 'john.smith@example.com', date: '2030-01-15', time: '10:00' },
      { firstName: 'Ann', lastName: 'Other', email: 'ann.other@example.com', date: '2030-01-16', time: '11:15' },
    ];
    const bookedIds: string[] = [];
    for (const booking of bookings) {
      const response = await post(ready.api, {
        appointment: {
          patient: { firstName: booking.firstName, lastName: booking.lastName, email: booking.email, dateOfBirth: '1985-04-02' },
          dentist: { name: 'Dr Molar' },
          date: booking.date,
          time: booking.time,
          reason: 'Check-up',
        },
      });
      say(`      ${booking.email.padEnd(24)} ${booking.date} ${booking.time} → ${response.status}`);
      if (response.status === 201) bookedIds.push((JSON.parse(response.body) as { id: string }).id);
    }
    const invalid = await post(ready.api, { appointment: { patient: { firstName: 'No email' }, date: 'soon' } });
    say(`      an invalid booking (no email, bad date)          → ${invalid.status} ${invalid.body}   (the API's request model, as API Gateway checks it)`);

    step(4, 'The enriched messages in the reminders queue (the contact\'s preferred method added; date of birth and reason left out):');
    for (const message of await receive(sqs, ready.queueUrl, bookings.length)) {
      say(`      ${describe(JSON.parse(message.Body!) as Enriched)}`);
      say(`        ${message.Body}`);
    }
    const stats = pipe.stats();
    say(`      pipe: ${stats.recordsRead} stream records read, ${stats.recordsFiltered} filtered out, ${stats.enrichmentInvocations} enrichment invocation(s), ${stats.targetSendRequests} SendMessageBatch request(s)`);
    // A change to a booking is a MODIFY record: the pipe's filter keeps INSERTs only, and the runner says why it dropped it.
    await dynamodb.send(new UpdateItemCommand({
      TableName: ready.appointmentsTable,
      Key: { id: { S: bookedIds[0] } },
      UpdateExpression: 'SET appointment.#time = :time',
      ExpressionAttributeNames: { '#time': 'time' },
      ExpressionAttributeValues: { ':time': { S: '09:45' } },
    }));
    await app.idle();
    const modified = pipe.records().filter((outcome) => outcome.eventName === 'MODIFY').pop();
    say(`      Jane's booking moved to 09:45 (a MODIFY record): ${modified?.outcome ?? 'not read'}, because`);
    for (const reason of modified?.reason ?? []) say(`        ${reason}`);

    step(5, 'Injecting a failure: deleting the contacts table, then booking once more...');
    const contacts = app.table('DentistStateful/Contacts');
    await dynamodb.send(new DeleteTableCommand({ TableName: contacts.tableName }));
    const executions = pipe.stats().pipeExecutions;
    await post(ready.api, {
      appointment: { patient: { firstName: 'John', lastName: 'Smith', email: 'john.smith@example.com' }, dentist: { name: 'Dr Molar' }, date: '2030-02-01', time: '08:45' },
    });
    const [deadLetter] = await peek(sqs, ready.sourceDeadLetterQueueUrl);
    if (!deadLetter) throw new Error(`No message reached the source dead-letter queue (pipe: ${JSON.stringify(pipe.stats())})`);
    say(`      the enrichment failed ${pipe.stats().pipeExecutions - executions} times (first try + the pipe's ${stream?.MaximumRetryAttempts} retries, 20 ms apart here);`);
    say('      the pipe then wrote this to its source dead-letter queue:');
    say(`        ${deadLetter.Body}`);
    say('      (it describes the batch - shard and sequence numbers - not the records, which stay in the stream for 24 hours)');

    step(6, 'Repairing: recreating the contacts table from the template and adding the contacts again, then replaying:');
    await dynamodb.send(new CreateTableCommand(dentist.createTableInput(contacts.logicalId)));
    await runAddContacts(ready.contactsTable, contactsFile);
    const replay = [...ready.replay, '--wait-seconds', '1'];
    say(`      $ ${replay.join(' ')}`);
    const replayed = await run(replay, ready.replayEnv);
    readable(replayed.output).forEach((line) => say(`        ${line}`));
    if (replayed.code !== 0) throw new Error(`The replay exited with ${replayed.code}`);
    for (const message of await receive(sqs, ready.queueUrl, 1)) {
      say(`      arrived: ${describe(JSON.parse(message.Body!) as Enriched)}`);
    }
    say(`      source dead-letter queue now holds ${await depth(sqs, ready.sourceDeadLetterQueueUrl)} message(s)`);
    sqs.destroy();
    dynamodb.destroy();
  } catch (error) {
    process.stderr.write(`${serviceOutput.join('\n')}\n\nThe demo failed: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  } finally {
    step(7, 'Stopping everything (DynamoDB Local\'s JVM included)...');
    const stopping = Date.now();
    await dentist?.stop();
    rmSync(scratch, { recursive: true, force: true });
    say(`      stopped in ${seconds(stopping)}. The whole demo took ${seconds(started)}.`);
    say('      Keep it running instead with: npx projen dentist:local');
  }
}

/** The replay's report without Node.js 20's end-of-life warnings. */
function readable(output: string): string[] {
  return output.split('\n').filter((line) => line.trim()
    && !/NodeVersionSupportWarning|node >=22|^versions published|^To continue|^and security|^More information|^\(Use `node/.test(line));
}

/** Runs the example's add-contacts script (its `main`, as its command line does), its report indented. */
async function runAddContacts(table: string, file: string): Promise<void> {
  const original = console.log;
  console.log = (...args: unknown[]) => say(`      ${args.join(' ')}`);
  try {
    if (await addContacts(['--table', table, '--file', file]) !== 0) throw new Error('add-contacts failed');
  } finally {
    console.log = original;
  }
}

function describe(message: Enriched): string {
  const { patient, date, time } = message.appointment;
  return `${patient.email.padEnd(24)} ${date} ${time} → remind by ${message.preferredMethod}`;
}

async function post(api: string, body: unknown): Promise<{ status: number; body: string }> {
  const response = await fetch(`${api}/appointments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.text() };
}

/** Receives and deletes `count` messages (or what arrived within 30 s). */
async function receive(sqs: SQSClient, queueUrl: string, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + 30_000;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of Messages) {
      messages.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return messages;
}

/** Reads messages without taking them (visibility timeout 0), waiting up to 30 s for one. */
async function peek(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const request = { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 };
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand(request));
    if (Messages.length > 0) return Messages;
  }
  return [];
}

async function depth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
  }));
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

function run(argv: readonly string[], env: Readonly<Record<string, string>>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const childEnv = { ...process.env, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1', ...env };
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

void main();
