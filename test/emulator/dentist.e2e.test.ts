/**
 * The dentist example end to end on 127.0.0.1, no AWS account: the synthesized templates run on
 * DynamoDB Local, fauxqs, the local Lambda service, the pipe runner and the local REST API.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, UpdateItemCommand, waitUntilTableNotExists } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { DeleteMessageCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { commandLineOf, descendantsOf, isAlive, waitUntilGone } from './support/process-tree';
import { type DentistApp, REPO_ROOT, startDentist } from '../../examples/dentist/local/app';
import { startLocalApp } from '../../tools/emulator/app';
import { streamApiArn } from '../../tools/engine/sources/dynamodb-stream';

jest.setTimeout(180_000);

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Booked {
  readonly id: string;
  readonly appointment: Record<string, unknown>;
}

function appointment(index: number, email = `patient${index}@example.com`) {
  return {
    appointment: {
      patient: { firstName: 'Pat', lastName: `Number${index}`, email, dateOfBirth: '1990-01-01' },
      dentist: { name: 'Dr Molar', clinic: 'Main Street' },
      date: '2030-03-01',
      time: `${String(8 + (index % 10)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}`,
      reason: 'Check-up',
    },
  };
}

/** Runs a command from the repository root with the local endpoints' environment; returns its exit code and output. */
function runFromRoot(argv: readonly string[], env: Readonly<Record<string, string>>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the dentist example, started in-process', () => {
  let dentist: DentistApp;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;
  const output: string[] = [];
  const environmentBefore = { ...process.env };
  let stopped = false;

  beforeAll(async () => {
    dentist = await startDentist({
      port: 0,
      log: (line) => output.push(line),
      // The example's 180 retries, at most 20 ms apart, so that a failing batch is dead-lettered in seconds.
      retryDelayMs: 5,
    });
    sqs = new SQSClient({ endpoint: dentist.ready.sqs, region: dentist.app.region, credentials });
    dynamodb = new DynamoDBClient({ endpoint: dentist.ready.dynamodb, region: dentist.app.region, credentials });
    // Contacts come from the example's own script, unchanged, pointed at the local endpoints.
    const added = await runFromRoot(
      ['node_modules/.bin/ts-node', '--transpile-only', '--project', 'tsconfig.dev.json', 'examples/dentist/scripts/add-contacts.ts',
        '--table', dentist.ready.contactsTable, '--file', 'examples/dentist/contacts.sample.json'],
      dentist.ready.replayEnv);
    expect(added).toMatchObject({ code: 0, output: expect.stringContaining(`Wrote 3 contact(s) to ${dentist.ready.contactsTable}`) });
  });

  afterAll(async () => {
    sqs?.destroy();
    dynamodb?.destroy();
    if (!stopped) await dentist?.stop();
  });

  async function book(body: unknown): Promise<Booked> {
    const response = await fetch(`${dentist.ready.api}/appointments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`Booking answered ${response.status}: ${text}`);
    return JSON.parse(text) as Booked;
  }

  /** Receives (and deletes) messages until `count` have arrived, then waits `quietMs` for any extra one. */
  async function receive(queueUrl: string, count: number, { timeoutMs = 60_000, quietMs = 1500 } = {}): Promise<Message[]> {
    const messages: Message[] = [];
    const deadline = Date.now() + timeoutMs;
    let quietUntil: number | undefined;
    while (Date.now() < deadline) {
      if (messages.length >= count) {
        quietUntil ??= Date.now() + quietMs;
        if (Date.now() >= quietUntil) break;
      }
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      for (const message of Messages) {
        messages.push(message);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
    return messages;
  }

  /** Reads the messages of a queue without taking them (visibility timeout 0), waiting until there is one. */
  async function peek(queueUrl: string, timeoutMs = 60_000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const request = { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 0 };
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand(request));
      if (Messages.length > 0) return Messages;
    }
    return [];
  }

  async function queueDepth(queueUrl: string): Promise<number> {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({
      QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }));
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  }

  test('a booking becomes one enriched message with the contact\'s preferred method', async () => {
    const booked = await book(appointment(0, 'John.Smith@example.com'));
    const messages = await receive(dentist.ready.queueUrl, 1);
    expect(messages.map((message) => JSON.parse(message.Body!))).toEqual([{
      id: booked.id,
      appointment: {
        // What a reminder sender needs: no dateOfBirth, reason or notes.
        patient: { firstName: 'Pat', lastName: 'Number0', email: 'john.smith@example.com' },
        dentist: { name: 'Dr Molar', clinic: 'Main Street' },
        date: '2030-03-01',
        time: '08:00',
      },
      preferredMethod: 'sms',
    }]);
  });

  test('a MODIFY never reaches the enrichment', async () => {
    const booked = await book(appointment(1, 'jane.doe@example.com'));
    expect(await receive(dentist.ready.queueUrl, 1)).toHaveLength(1);
    await dentist.app.idle();
    const pipe = dentist.app.pipe();
    const before = pipe.stats();
    await dynamodb.send(new UpdateItemCommand({
      TableName: dentist.ready.appointmentsTable,
      Key: { id: { S: booked.id } },
      UpdateExpression: 'SET #a.#t = :t',
      ExpressionAttributeNames: { '#a': 'appointment', '#t': 'time' },
      ExpressionAttributeValues: { ':t': { S: '17:45' } },
    }));
    // The runner has read the MODIFY record once it is idle after the write.
    await dentist.app.idle();
    expect(pipe.stats().recordsRead).toBe(before.recordsRead + 1);
    expect(pipe.stats().recordsFiltered).toBe(before.recordsFiltered + 1);
    expect(pipe.stats().enrichmentInvocations).toBe(before.enrichmentInvocations);
    expect(await receive(dentist.ready.queueUrl, 0, { quietMs: 1000 })).toEqual([]);
  });

  test('100 concurrent bookings arrive exactly once each, in stream order within their shard', async () => {
    const booked = await Promise.all(Array.from({ length: 100 }, (_, index) => book(appointment(100 + index))));
    const ids = booked.map((item) => item.id);
    const messages = await receive(dentist.ready.queueUrl, 100, { timeoutMs: 90_000, quietMs: 3000 });
    const received = messages.map((message) => (JSON.parse(message.Body!) as { id: string }).id);
    expect(received).toHaveLength(100);
    expect(new Set(received)).toEqual(new Set(ids));

    // Pipes keeps the order of the records of a stream shard
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html): compare the
    // order of arrival with the order of the INSERT records in each shard.
    const streams = new DynamoDBStreamsClient({ endpoint: dentist.ready.dynamodb, region: dentist.app.region, credentials });
    try {
      // The pipe's Source names the stream as AWS would; DynamoDB Local knows it under its own ARN.
      const streamArn = await streamApiArn(streams, (await dentist.describePipe()).Source!);
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
      const wanted = new Set(ids);
      let shardsWithRecords = 0;
      for (const shard of StreamDescription?.Shards ?? []) {
        const inShard: string[] = [];
        let { ShardIterator: iterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
        for (let page = 0; iterator && page < 100; page++) {
          const result = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          for (const record of result.Records ?? []) {
            const id = record.dynamodb?.Keys?.id?.S;
            if (record.eventName === 'INSERT' && id && wanted.has(id)) inShard.push(id);
          }
          if ((result.Records ?? []).length === 0) break;
          iterator = result.NextShardIterator;
        }
        if (inShard.length > 0) shardsWithRecords++;
        const arrivalOrder = received.filter((id) => inShard.includes(id));
        expect(arrivalOrder).toEqual(inShard);
      }
      expect(shardsWithRecords).toBeGreaterThan(0);
    } finally {
      streams.destroy();
    }
  });

  test('a failing enrichment dead-letters the batch in the Pipes shape, and the replay command delivers it enriched once the table is back', async () => {
    const contacts = dentist.app.table('DentistStateful/Contacts');
    const described = await dentist.describePipe();
    await dynamodb.send(new DeleteTableCommand({ TableName: contacts.tableName }));
    await waitUntilTableNotExists({ client: dynamodb, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: contacts.tableName });
    const pipe = dentist.app.pipe();
    const executionsBefore = pipe.stats().pipeExecutions;
    const booked = await book(appointment(7, 'alex.jones@example.com'));

    // Retried MaximumRetryAttempts times, then described in the source dead-letter queue.
    const deadLetters = await peek(dentist.ready.sourceDeadLetterQueueUrl);
    expect(pipe.stats().pipeExecutions - executionsBefore).toBe(described.SourceParameters!.DynamoDBStreamParameters!.MaximumRetryAttempts! + 1);
    expect(deadLetters).toHaveLength(1);
    const body = JSON.parse(deadLetters[0].Body!);
    expect(body).toMatchObject({
      context: { condition: 'RetryAttemptsExhausted', partnerResourceArn: described.Arn },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: expect.any(String),
        startSequenceNumber: expect.any(String),
        endSequenceNumber: expect.any(String),
        approximateArrivalOfFirstRecord: expect.any(String),
        approximateArrivalOfLastRecord: expect.any(String),
        batchSize: 1,
        streamArn: described.Source,
      },
    });
    expect(await receive(dentist.ready.queueUrl, 0, { quietMs: 500 })).toEqual([]);

    // Restore the table as the template defines it (the CreateTable request the run sent), and its contacts.
    expect(dentist.app.table('DentistStateful/Contacts').createTableRequest).toEqual({
      TableName: dentist.ready.contactsTable,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
    await dynamodb.send(new CreateTableCommand(dentist.createTableInput('DentistStateful/Contacts')));
    const added = await runFromRoot(
      ['node_modules/.bin/ts-node', '--transpile-only', '--project', 'tsconfig.dev.json', 'examples/dentist/scripts/add-contacts.ts',
        '--table', dentist.ready.contactsTable, '--file', 'examples/dentist/contacts.sample.json'],
      dentist.ready.replayEnv);
    expect(added.code).toBe(0);

    const replay = await runFromRoot(dentist.ready.replay, dentist.ready.replayEnv);
    expect({ code: replay.code }).toEqual({ code: 0 });
    const messages = await receive(dentist.ready.queueUrl, 1);
    expect(messages.map((message) => JSON.parse(message.Body!))).toEqual([
      expect.objectContaining({ id: booked.id, preferredMethod: 'email' }),
    ]);
    expect(await queueDepth(dentist.ready.sourceDeadLetterQueueUrl)).toBe(0);
  });

  test('stop() ends the processes it started and restores this process\'s environment', async () => {
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(dentist.ready.dynamodb);
    const pattern = 'DynamoDBLocal|fauxqs-server|lambda-worker';
    const running = spawnSync('pgrep', ['-P', String(process.pid), '-f', pattern], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(running.length).toBeGreaterThanOrEqual(3);
    stopped = true;
    await dentist.stop();
    expect(process.env).toEqual(environmentBefore);
    // DynamoDB Local's JVM, fauxqs and the function workers are children of this process while they run.
    const children = spawnSync('pgrep', ['-P', String(process.pid), '-f', pattern], { encoding: 'utf8' });
    expect(children.stdout.trim()).toBe('');
  });
});

describe('npx projen dentist:local (examples/dentist/local/main.ts)', () => {
  test('prints one READY line with the fixed keys, serves bookings, and stops everything within 10 s of SIGTERM to its process group', async () => {
    const child = spawn('node_modules/.bin/ts-node', ['--transpile-only', '--project', 'tsconfig.dev.json', 'examples/dentist/local/main.ts'], {
      cwd: REPO_ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const stdoutLines: string[] = [];
    const lines = createInterface({ input: child.stdout });
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(exitCode = code)));
    let ready: Record<string, unknown> | undefined;
    try {
      ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No READY line within 150 s:\n${stderr}`)), 150_000);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`dentist:local exited (${code}) before READY:\n${stderr}`));
        });
        lines.on('line', (line) => {
          stdoutLines.push(line);
          if (line.startsWith('READY ')) {
            clearTimeout(timer);
            resolve(JSON.parse(line.slice('READY '.length)) as Record<string, unknown>);
          }
        });
      });
      expect(Object.keys(ready).sort()).toEqual([
        'api', 'appointmentsTable', 'contactsTable', 'deadLetterQueueUrl', 'dynamodb', 'lambda', 'queueUrl', 'replay', 'replayEnv', 'sourceDeadLetterQueueUrl', 'sqs',
      ]);
      expect(ready.replayEnv).toEqual(expect.objectContaining({
        AWS_REGION: expect.any(String),
        AWS_ACCESS_KEY_ID: expect.any(String),
        AWS_SECRET_ACCESS_KEY: expect.any(String),
        AWS_ENDPOINT_URL_DYNAMODB_STREAMS: ready.dynamodb,
        AWS_ENDPOINT_URL_SQS: ready.sqs,
        AWS_ENDPOINT_URL_LAMBDA: ready.lambda,
        AWS_ENDPOINT_URL_PIPES: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      }));
      const invalid = await fetch(`${String(ready.api)}/appointments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"appointment": {}}' });
      expect(invalid.status).toBe(400);
      const valid = await fetch(`${String(ready.api)}/appointments`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(appointment(1)) });
      expect(valid.status).toBe(201);
    } finally {
      const signalled = Date.now();
      if (exitCode !== undefined) throw new Error(`dentist:local exited (${exitCode}) by itself:\n${stderr}`);
      process.kill(-child.pid!, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 15_000)))]);
      clearTimeout(timer);
      const elapsed = Date.now() - signalled;
      if (code === 'timeout') process.kill(-child.pid!, 'SIGKILL');
      lines.close();
      expect({ code, withinTenSeconds: elapsed <= 10_000 }).toEqual({ code: 0, withinTenSeconds: true });
    }
    expect(stdoutLines.filter((line) => line.trim() !== '')).toEqual([expect.stringMatching(/^READY \{/)]);
    // No DynamoDB Local JVM of this run is left (others' tests may run their own, on other ports).
    const port = new URL(String(ready.dynamodb)).port;
    const left = spawnSync('pgrep', ['-f', `DynamoDBLocal.*-port ${port}( |$)`], { encoding: 'utf8' });
    expect(left.stdout.trim()).toBe('');
  });

  test('killing the `npm exec` (npx) that started it leaves nothing behind within 10 s: it notices its parent is gone and stops', async () => {
    const npm = spawn('npm', ['exec', '--offline', '--', path.join(REPO_ROOT, 'node_modules', '.bin', 'ts-node'), '--transpile-only', '--project', 'tsconfig.dev.json', 'examples/dentist/local/main.ts'], {
      cwd: REPO_ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    const lines = createInterface({ input: npm.stdout });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`No READY line within 150 s:\n${stderr}`)), 150_000);
        void exited.then(() => reject(new Error(`dentist:local exited before READY:\n${stderr}`)));
        lines.on('line', (line) => {
          if (line.startsWith('READY ')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } finally {
      lines.close();
    }
    const started = descendantsOf(npm.pid!);
    expect(started.some((pid) => commandLineOf(pid).includes('java'))).toBe(true);

    // npm forwards the signal to the shell it started, not to dentist:local under that shell.
    npm.kill('SIGTERM');
    await exited;

    try {
      await waitUntilGone(started, 10_000);
    } finally {
      // Whatever outlived the launcher must not outlive the test.
      for (const pid of started.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
    expect(stderr).toMatch(/the parent process \(pid \d+\) has ended: stopping\.\.\./);
  });
});

describe('startLocalApp (tools/emulator/app.ts)', () => {
  test('on a directory that is not a cloud assembly, fails naming it and stops the services it had started', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'not-an-assembly-'));
    const before = { ...process.env };
    try {
      await expect(startLocalApp({ assemblyDir: directory, log: () => undefined })).rejects.toThrow(
        `${directory} is not a cloud assembly: it has no manifest.json (synthesize the app with 'cdk synth -o ${directory}')`);
      expect(process.env).toEqual(before);
      // DynamoDB Local's JVM and fauxqs are children of this process while they run.
      const children = spawnSync('pgrep', ['-P', String(process.pid), '-f', 'DynamoDBLocal|fauxqs-server'], { encoding: 'utf8' });
      expect(children.stdout.trim()).toBe('');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
