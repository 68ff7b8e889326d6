/**
 * Adds (or replaces) contacts in the dentist example's contacts table.
 *
 *   npx ts-node examples/dentist/scripts/add-contacts.ts --table <name> --file examples/dentist/contacts.sample.json
 *
 * The file is a JSON array of `{"email": "...", "preferredMethod": "email" | "sms"}`. Every entry is
 * validated before anything is written; emails are normalised exactly as the booking API does it
 * (Unicode NFKC, trimmed, lower case: they are the table key, `id`). The table name comes from
 * `--table` or, failing that, `CONTACTS_TABLE_NAME`. The region comes from `--region`, or else from
 * the AWS environment (`AWS_REGION`, or the region of the AWS profile); credentials from the usual
 * AWS environment (AWS_PROFILE, ...).
 */
import { readFileSync } from 'node:fs';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isValidEmail, normaliseEmail } from '../src/appointment';
import { type ContactMethod, CONTACT_METHODS } from '../src/contacts';
import { backoffDelay, createDocumentClient, sleep } from '../src/dynamodb';

export interface Contact {
  readonly email: string;
  readonly preferredMethod: ContactMethod;
}

/** BatchWriteItem accepts at most 25 items per request. */
export const MAX_ITEMS_PER_BATCH_WRITE = 25;

export class ContactsValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid contacts:\n  ${problems.join('\n  ')}`);
    this.name = 'ContactsValidationError';
  }
}

/**
 * Validates parsed JSON and returns the normalised contacts. Reports every problem at once, and
 * rejects duplicate emails (BatchWriteItem refuses a request that writes a key twice).
 */
export function parseContacts(json: unknown): Contact[] {
  if (!Array.isArray(json)) throw new ContactsValidationError(['contacts must be a JSON array']);
  if (json.length === 0) throw new ContactsValidationError(['contacts must not be empty']);
  const problems: string[] = [];
  const contacts: Contact[] = [];
  const firstIndexOf = new Map<string, number>();
  json.forEach((entry: unknown, index) => {
    const path = `contacts[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${path} must be an object`);
      return;
    }
    const { email, preferredMethod, ...rest } = entry as Record<string, unknown>;
    Object.keys(rest).forEach((key) => problems.push(`${path}.${key} is not an allowed field`));
    const normalised = typeof email === 'string' ? normaliseEmail(email) : '';
    if (!isValidEmail(normalised)) {
      problems.push(`${path}.email must be a valid email address`);
    } else if (firstIndexOf.has(normalised)) {
      problems.push(`${path}.email duplicates contacts[${firstIndexOf.get(normalised)}].email`);
    } else {
      firstIndexOf.set(normalised, index);
    }
    if (typeof preferredMethod !== 'string' || !(CONTACT_METHODS as readonly string[]).includes(preferredMethod)) {
      problems.push(`${path}.preferredMethod must be one of: ${CONTACT_METHODS.join(', ')}`);
    }
    contacts.push({ email: normalised, preferredMethod: preferredMethod as ContactMethod });
  });
  if (problems.length > 0) throw new ContactsValidationError(problems);
  return contacts;
}

export interface AddContactsOptions {
  /** Retries of unprocessed items after the first request of each chunk. @default 8 */
  readonly maxRetries?: number;
  /** Base of the exponential backoff between retries, in milliseconds. @default 100 */
  readonly baseDelayMs?: number;
}

/**
 * Writes the contacts as `{id: email, preferredMethod}` with BatchWriteItem, 25 per request,
 * retrying unprocessed items with backoff. Throws if some are still unprocessed after the retries.
 * Writing the same contacts twice is harmless (a put replaces the item).
 *
 * @returns the number of contacts written
 */
export async function addContacts(
  client: DynamoDBDocumentClient,
  tableName: string,
  contacts: readonly Contact[],
  { maxRetries = 8, baseDelayMs = 100 }: AddContactsOptions = {},
): Promise<number> {
  for (let start = 0; start < contacts.length; start += MAX_ITEMS_PER_BATCH_WRITE) {
    let requests = contacts.slice(start, start + MAX_ITEMS_PER_BATCH_WRITE).map(({ email, preferredMethod }) => ({
      PutRequest: { Item: { id: email, preferredMethod } },
    }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > maxRetries) {
        throw new Error(`${requests.length} contacts were still unprocessed after ${maxRetries} retries`);
      }
      if (attempt > 0) await sleep(backoffDelay(attempt - 1, baseDelayMs, 5000));
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (output.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  return contacts.length;
}

export const USAGE = [
  'Usage: add-contacts --table <name> --file <contacts.json> [--region <region>]',
  '  --table   the contacts table (or set CONTACTS_TABLE_NAME)',
  '  --file    a JSON array of {"email": "...", "preferredMethod": "email" | "sms"}',
  '  --region  the table\'s AWS region (or set AWS_REGION, or a region in your AWS profile)',
].join('\n');

export const MISSING_REGION_MESSAGE =
  'No AWS region: set AWS_REGION (or a region in your AWS profile), or pass --region <region>, e.g. --region eu-west-1';

interface Args { table?: string; file?: string; region?: string; help: boolean }

/** Parses `--table <name>`, `--table=<name>`, `--file ...`, `--region ...`, `--help`. */
export function parseArgs(argv: readonly string[]): Args {
  const result: Args = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') {
      result.help = true;
    } else if (flag === '--table' || flag === '--file' || flag === '--region') {
      const value = inline ?? argv[++i];
      if (!value) throw new Error(`${flag} needs a value`);
      result[flag.slice(2) as 'table' | 'file' | 'region'] = value;
    } else {
      throw new Error(`Unknown argument: ${argv[i]}`);
    }
  }
  return result;
}

/**
 * A client for the given region, or the environment's. The SDK's own message for a missing region
 * ("Region is missing") does not say what to set, so the region is resolved here first.
 */
export async function clientWithRegion(region?: string): Promise<DynamoDBDocumentClient> {
  const client = createDocumentClient({ region });
  try {
    await client.config.region();
  } catch {
    client.destroy();
    throw new Error(MISSING_REGION_MESSAGE);
  }
  return client;
}

/** The command line: returns the process exit code. */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  client?: DynamoDBDocumentClient,
): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    const table = args.table ?? env.CONTACTS_TABLE_NAME;
    if (!table || !args.file) throw new Error(USAGE);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(args.file, 'utf8'));
    } catch (error) {
      throw new Error(`Cannot read ${args.file} as JSON: ${(error as Error).message}`);
    }
    const contacts = parseContacts(json);
    const written = await addContacts(client ?? await clientWithRegion(args.region), table, contacts);
    console.log(`Wrote ${written} contact(s) to ${table}`);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
