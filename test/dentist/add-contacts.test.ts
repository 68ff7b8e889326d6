import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  addContacts,
  type Contact,
  ContactsValidationError,
  main,
  MISSING_REGION_MESSAGE,
  parseArgs,
  parseContacts,
} from '../../examples/dentist/scripts/add-contacts';
import { validateAppointmentRequest } from '../../examples/dentist/src/appointment';

const ddbMock = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'contacts-table';
const SAMPLE_FILE = join(__dirname, '..', '..', 'examples', 'dentist', 'contacts.sample.json');

function contacts(count: number): Contact[] {
  return Array.from({ length: count }, (_, i) => ({ email: `c${i}@example.com`, preferredMethod: i % 2 ? 'sms' : 'email' }));
}

/** The ids written by each BatchWriteItem call, in order. */
function writtenIds(): string[][] {
  return ddbMock.commandCalls(BatchWriteCommand).map((call) =>
    call.args[0].input.RequestItems![TABLE].map((request) => request.PutRequest!.Item!.id as string),
  );
}

function problemsOf(json: unknown): readonly string[] {
  try {
    parseContacts(json);
  } catch (error) {
    if (error instanceof ContactsValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ContactsValidationError');
}

let workDir: string;

beforeEach(() => {
  ddbMock.reset();
  workDir = mkdtempSync(join(tmpdir(), 'add-contacts-'));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
  jest.restoreAllMocks();
});

describe('parseContacts', () => {
  test('returns the contacts with emails trimmed and lower-cased', () => {
    expect(parseContacts([
      { email: ' Ann@Example.COM ', preferredMethod: 'email' },
      { email: 'bob@example.com', preferredMethod: 'sms' },
    ])).toEqual([
      { email: 'ann@example.com', preferredMethod: 'email' },
      { email: 'bob@example.com', preferredMethod: 'sms' },
    ]);
  });

  test.each([
    ['full-width letters', '\uff2a\uff41\uff4e\uff45\uff20\uff25\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d'],
    ['upper case and spaces', '  JANE@Example.COM '],
  ])('normalises an email with %s exactly as the booking API does, so the keys match', (_what, email) => {
    const [contact] = parseContacts([{ email, preferredMethod: 'sms' }]);
    const booked = validateAppointmentRequest({
      appointment: { patient: { firstName: 'J', lastName: 'D', email }, dentist: { name: 'Dr M' }, date: '2026-03-10', time: '09:30' },
    });

    expect(contact.email).toBe('jane@example.com');
    expect(booked.ok && booked.appointment.patient.email).toBe(contact.email);
  });

  test.each([
    ['a zero-width space', 'jane\u200b@example.com'],
    ['a soft hyphen', 'ja\u00adne@example.com'],
    ['an empty domain label', 'jane@example..com'],
    ['a NUL', 'jane\u0000@example.com'],
  ])('refuses an email with %s, as the booking API does', (_what, email) => {
    expect(problemsOf([{ email, preferredMethod: 'sms' }])).toEqual(['contacts[0].email must be a valid email address']);
  });

  test('accepts the sample file shipped with the example', () => {
    const sample = parseContacts(JSON.parse(readFileSync(SAMPLE_FILE, 'utf8')));
    expect(sample.length).toBeGreaterThanOrEqual(2);
    expect(sample.every((c) => c.email.endsWith('@example.com'))).toBe(true);
  });

  test('rejects a file that is not an array, or an empty one', () => {
    expect(problemsOf({ email: 'ann@example.com', preferredMethod: 'email' })).toEqual(['contacts must be a JSON array']);
    expect(problemsOf([])).toEqual(['contacts must not be empty']);
  });

  test('reports every invalid entry at once, by index and field', () => {
    expect(problemsOf([
      { email: 'ann@example.com', preferredMethod: 'email' },
      'bob@example.com',
      { email: 'not-an-email', preferredMethod: 'sms' },
      { email: 'carl@example.com', preferredMethod: 'fax' },
      { email: 'dee@example.com' },
      { email: 'eve@example.com', preferredMethod: 'sms', name: 'Eve' },
      { email: ' ANN@example.com', preferredMethod: 'sms' },
    ])).toEqual([
      'contacts[1] must be an object',
      'contacts[2].email must be a valid email address',
      'contacts[3].preferredMethod must be one of: email, sms',
      'contacts[4].preferredMethod must be one of: email, sms',
      'contacts[5].name is not an allowed field',
      'contacts[6].email duplicates contacts[0].email',
    ]);
  });
});

describe('addContacts', () => {
  test('writes {id: email, preferredMethod} items in BatchWriteItem chunks of 25', async () => {
    ddbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    const all = contacts(60);

    await expect(addContacts(client, TABLE, all)).resolves.toBe(60);

    expect(writtenIds().map((ids) => ids.length)).toEqual([25, 25, 10]);
    expect(writtenIds().flat()).toEqual(all.map((c) => c.email));
    expect(ddbMock.commandCalls(BatchWriteCommand)[0].args[0].input.RequestItems![TABLE][1]).toEqual({
      PutRequest: { Item: { id: 'c1@example.com', preferredMethod: 'sms' } },
    });
  });

  test('retries only the unprocessed items until they are written', async () => {
    const all = contacts(3);
    const unprocessed = [{ PutRequest: { Item: { id: 'c2@example.com', preferredMethod: 'email' } } }];
    ddbMock.on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { [TABLE]: unprocessed } })
      .resolvesOnce({ UnprocessedItems: {} });

    await expect(addContacts(client, TABLE, all, { baseDelayMs: 0 })).resolves.toBe(3);

    expect(writtenIds()).toEqual([['c0@example.com', 'c1@example.com', 'c2@example.com'], ['c2@example.com']]);
  });

  test('throws when items are still unprocessed after the retries', async () => {
    const unprocessed = [{ PutRequest: { Item: { id: 'c0@example.com', preferredMethod: 'email' } } }];
    ddbMock.on(BatchWriteCommand).resolves({ UnprocessedItems: { [TABLE]: unprocessed } });

    await expect(addContacts(client, TABLE, contacts(1), { maxRetries: 2, baseDelayMs: 0 }))
      .rejects.toThrow('1 contacts were still unprocessed after 2 retries');
    expect(ddbMock.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });
});

describe('the command line', () => {
  function writeFile(json: unknown): string {
    const file = join(workDir, 'contacts.json');
    writeFileSync(file, JSON.stringify(json));
    return file;
  }

  test('parses --table and --file, with or without =', () => {
    expect(parseArgs(['--table', 't1', '--file=c.json'])).toEqual({ table: 't1', file: 'c.json', help: false });
    expect(() => parseArgs(['--table'])).toThrow('--table needs a value');
    expect(() => parseArgs(['--force'])).toThrow('Unknown argument: --force');
  });

  test('writes the file to the table given by --table and exits 0', async () => {
    ddbMock.on(BatchWriteCommand).resolves({});

    const code = await main(['--table', TABLE, '--file', SAMPLE_FILE], {}, client);

    expect(code).toBe(0);
    expect(writtenIds()).toEqual([JSON.parse(readFileSync(SAMPLE_FILE, 'utf8')).map((c: Contact) => c.email)]);
  });

  test('falls back to CONTACTS_TABLE_NAME when --table is not given', async () => {
    ddbMock.on(BatchWriteCommand).resolves({});

    const code = await main(['--file', writeFile([{ email: 'ann@example.com', preferredMethod: 'sms' }])], { CONTACTS_TABLE_NAME: TABLE }, client);

    expect(code).toBe(0);
    expect(writtenIds()).toEqual([['ann@example.com']]);
  });

  test('exits 1 and writes nothing when the file is invalid', async () => {
    const code = await main(['--table', TABLE, '--file', writeFile([{ email: 'ann@example.com', preferredMethod: 'post' }])], {}, client);

    expect(code).toBe(1);
    expect(console.error).toHaveBeenCalledWith(expect.stringContaining('contacts[0].preferredMethod must be one of: email, sms'));
    expect(ddbMock.calls()).toHaveLength(0);
  });

  test('--help names every option, the region included', async () => {
    const code = await main(['--help'], {});

    expect(code).toBe(0);
    const usage = String((console.log as jest.Mock).mock.calls[0][0]);
    expect(usage).toContain('--region <region>');
    expect(usage).toContain("--region  the table's AWS region (or set AWS_REGION, or a region in your AWS profile)");
  });

  describe('the region', () => {
    const REGION_ENV = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];
    const saved = Object.fromEntries(REGION_ENV.map((name) => [name, process.env[name]]));

    beforeEach(() => {
      for (const name of REGION_ENV) delete process.env[name];
      // No region in any AWS profile either.
      process.env.AWS_CONFIG_FILE = join(workDir, 'no-config');
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(workDir, 'no-credentials');
    });

    afterEach(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });

    test('missing everywhere: exits 1 saying what to set, and writes nothing', async () => {
      const code = await main(['--table', TABLE, '--file', SAMPLE_FILE], {});

      expect(code).toBe(1);
      expect(console.error).toHaveBeenCalledWith(MISSING_REGION_MESSAGE);
      expect(MISSING_REGION_MESSAGE).toBe(
        'No AWS region: set AWS_REGION (or a region in your AWS profile), or pass --region <region>, e.g. --region eu-west-1',
      );
      expect(ddbMock.calls()).toHaveLength(0);
    });

    test.each([
      ['--region', ['--region', 'eu-west-1']],
      ['--region=', ['--region=eu-west-1']],
    ])('given with %s: the contacts are written', async (_how, regionArgs) => {
      ddbMock.on(BatchWriteCommand).resolves({});

      const code = await main(['--table', TABLE, '--file', SAMPLE_FILE, ...regionArgs], {});

      expect(code).toBe(0);
      expect(writtenIds()).toHaveLength(1);
    });

    test('given by AWS_REGION: the contacts are written', async () => {
      process.env.AWS_REGION = 'eu-west-1';
      ddbMock.on(BatchWriteCommand).resolves({});

      const code = await main(['--table', TABLE, '--file', SAMPLE_FILE], {});

      expect(code).toBe(0);
      expect(writtenIds()).toHaveLength(1);
    });
  });

  test('exits 1 with the usage when no table is named', async () => {
    const code = await main(['--file', SAMPLE_FILE], {}, client);

    expect(code).toBe(1);
    expect(console.error).toHaveBeenCalledWith(expect.stringContaining('Usage: add-contacts'));
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
