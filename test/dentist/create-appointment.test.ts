import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { idFromIdempotencyKey } from '../../examples/dentist/src/booking';
import { handler } from '../../examples/dentist/src/handlers/create-appointment';

const ddbMock = mockClient(DynamoDBDocumentClient);
const TABLE_NAME = 'appointments-table';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function validRequest(): any {
  return {
    appointment: {
      patient: {
        firstName: ' Jane ',
        lastName: 'Doe',
        email: ' Jane.Doe@Example.COM ',
        contactNumber: '+44 7700 900123',
        dateOfBirth: '1990-05-17',
      },
      dentist: { name: 'Dr Molar', clinic: 'Bright Smiles' },
      date: '2026-03-10',
      time: '09:30',
      duration: 30,
      reason: 'Check-up',
    },
  };
}

/** What the handler stores for validRequest(): trimmed strings, lower-cased email. */
const NORMALISED_APPOINTMENT = {
  patient: {
    firstName: 'Jane',
    lastName: 'Doe',
    email: 'jane.doe@example.com',
    contactNumber: '+44 7700 900123',
    dateOfBirth: '1990-05-17',
  },
  dentist: { name: 'Dr Molar', clinic: 'Bright Smiles' },
  date: '2026-03-10',
  time: '09:30',
  duration: 30,
  reason: 'Check-up',
};

function apiEvent(body: string | null, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return { body, headers, isBase64Encoded: false, httpMethod: 'POST', path: '/appointments' } as unknown as APIGatewayProxyEvent;
}

function withChange(change: (request: any) => void): string {
  const request = validRequest();
  change(request);
  return JSON.stringify(request);
}

function conditionalCheckFailed(item?: Record<string, unknown>): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    Item: item ? marshall(item) : undefined,
  });
}

let warn: jest.SpyInstance;
let error: jest.SpyInstance;

beforeEach(() => {
  ddbMock.reset();
  process.env.TABLE_NAME = TABLE_NAME;
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('a valid booking', () => {
  test('returns 201 with the stored {id, appointment} and writes it with exactly one conditional put', async () => {
    ddbMock.on(PutCommand).resolves({});

    const result = await handler(apiEvent(JSON.stringify(validRequest())));

    expect(result.statusCode).toBe(201);
    expect(result.headers).toEqual({ 'Content-Type': 'application/json' });
    const body = JSON.parse(result.body);
    expect(body).toEqual({ id: expect.stringMatching(UUID), appointment: NORMALISED_APPOINTMENT });
    const puts = ddbMock.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0].args[0].input).toEqual({
      TableName: TABLE_NAME,
      Item: { id: body.id, appointment: NORMALISED_APPOINTMENT },
      ConditionExpression: 'attribute_not_exists(id)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(ddbMock.calls()).toHaveLength(1);
  });

  test('stores only the fields that were sent (no optional fields invented)', async () => {
    ddbMock.on(PutCommand).resolves({});
    const minimal = {
      appointment: {
        patient: { firstName: 'Sam', lastName: 'Lee', email: 'sam@example.com' },
        dentist: { name: 'Dr Fang' },
        date: '2024-02-29',
        time: '00:00',
      },
    };

    const result = await handler(apiEvent(JSON.stringify(minimal)));

    expect(result.statusCode).toBe(201);
    expect(ddbMock.commandCalls(PutCommand)[0].args[0].input.Item).toEqual({ id: expect.stringMatching(UUID), ...minimal });
  });

  test('gets a new random id on every booking when no Idempotency-Key is sent', async () => {
    ddbMock.on(PutCommand).resolves({});

    const first = JSON.parse((await handler(apiEvent(JSON.stringify(validRequest())))).body);
    const second = JSON.parse((await handler(apiEvent(JSON.stringify(validRequest())))).body);

    expect(first.id).not.toEqual(second.id);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(2);
  });

  test('accepts a base64-encoded body', async () => {
    ddbMock.on(PutCommand).resolves({});
    const event = { ...apiEvent(Buffer.from(JSON.stringify(validRequest())).toString('base64')), isBase64Encoded: true };

    const result = await handler(event);

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).appointment).toEqual(NORMALISED_APPOINTMENT);
  });
});

describe('emails and texts that are valid after normalisation', () => {
  beforeEach(() => ddbMock.on(PutCommand).resolves({}));

  test.each([
    ['full-width letters, at sign and dot (Unicode NFKC)', '\uff4a\uff41\uff4e\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d', 'jane@example.com'],
    ['an ideographic space around it', '\u3000Jane@Example.com\u3000', 'jane@example.com'],
    ['letters of another script (RFC 6531)', 'José@Bücher.example', 'josé@bücher.example'],
  ])('an email with %s is stored in its normalised form', async (_what, email, stored) => {
    const result = await handler(apiEvent(withChange((r) => { r.appointment.patient.email = email; })));

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).appointment.patient.email).toBe(stored);
    expect((ddbMock.commandCalls(PutCommand)[0].args[0].input.Item as any).appointment.patient.email).toBe(stored);
  });

  test('tab, line feed, carriage return and characters beyond U+FFFF (emoji) are allowed in texts', async () => {
    const notes = 'Line one\nLine two\r\n\tindented \u{1F9B7}';
    const result = await handler(apiEvent(withChange((r) => { r.appointment.notes = notes; })));

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body).appointment.notes).toBe(notes.trim());
  });
});

describe('an invalid request', () => {
  test.each<[string, string | null, string]>([
    ['no body', null, 'Request body is required'],
    ['an empty body', '  ', 'Request body is required'],
    ['a body that is not JSON', '{"appointment": ', 'Request body must be valid JSON'],
    ['a JSON array body', '[]', 'Request body must be a JSON object'],
    ['a body without appointment', '{}', 'appointment is required and must be an object'],
    ['an appointment that is not an object', '{"appointment": "tomorrow"}', 'appointment is required and must be an object'],
    ['an unknown top-level field', withChange((r) => { r.extra = 1; }), 'body.extra is not an allowed field'],
    ['an unknown appointment field', withChange((r) => { r.appointment.price = 10; }), 'appointment.price is not an allowed field'],
    ['no patient', withChange((r) => { delete r.appointment.patient; }), 'appointment.patient is required and must be an object'],
    ['no patient firstName', withChange((r) => { delete r.appointment.patient.firstName; }),
      'appointment.patient.firstName is required and must be a non-empty string'],
    ['a blank patient lastName', withChange((r) => { r.appointment.patient.lastName = '   '; }),
      'appointment.patient.lastName is required and must be a non-empty string'],
    ['no patient email', withChange((r) => { delete r.appointment.patient.email; }),
      'appointment.patient.email is required and must be a non-empty string'],
    ['a patient email that is not a string', withChange((r) => { r.appointment.patient.email = 42; }),
      'appointment.patient.email is required and must be a non-empty string'],
    ['a malformed patient email', withChange((r) => { r.appointment.patient.email = 'jane.doe@example'; }),
      'appointment.patient.email must be a valid email address'],
    ['a patient email with spaces inside', withChange((r) => { r.appointment.patient.email = 'jane doe@example.com'; }),
      'appointment.patient.email must be a valid email address'],
    ...[
      ['a zero-width space', 'jane\u200b.doe@example.com'],
      ['a soft hyphen', 'jane\u00addoe@example.com'],
      ['an empty domain label', 'a@b..c'],
      ['a domain label starting with a hyphen', 'a@-b.c'],
      ['a domain label ending with a hyphen', 'a@b-.c'],
      ['two @', 'a@b@example.com'],
      ['a dot at the end of the local part', 'jane.@example.com'],
      ['a local part longer than 64 characters', `${'j'.repeat(65)}@example.com`],
    ].map(([what, email]): [string, string, string] => [`a patient email with ${what}`,
      withChange((r) => { r.appointment.patient.email = email; }), 'appointment.patient.email must be a valid email address']),
    ['an unknown patient field', withChange((r) => { r.appointment.patient.ssn = 'x'; }), 'appointment.patient.ssn is not an allowed field'],
    ['an impossible date of birth', withChange((r) => { r.appointment.patient.dateOfBirth = '1990-13-01'; }),
      'appointment.patient.dateOfBirth must be a real calendar date in the format YYYY-MM-DD'],
    ['a contact number that is not a string', withChange((r) => { r.appointment.patient.contactNumber = 7700900123; }),
      'appointment.patient.contactNumber must be a string'],
    ['no dentist', withChange((r) => { delete r.appointment.dentist; }), 'appointment.dentist is required and must be an object'],
    ['no dentist name', withChange((r) => { r.appointment.dentist.name = ''; }), 'appointment.dentist.name is required and must be a non-empty string'],
    ['no date', withChange((r) => { delete r.appointment.date; }), 'appointment.date is required and must be a non-empty string'],
    ['an impossible date (30 February)', withChange((r) => { r.appointment.date = '2026-02-30'; }),
      'appointment.date must be a real calendar date in the format YYYY-MM-DD'],
    ['29 February in a non-leap year', withChange((r) => { r.appointment.date = '2026-02-29'; }),
      'appointment.date must be a real calendar date in the format YYYY-MM-DD'],
    ['a date in another format', withChange((r) => { r.appointment.date = '10/03/2026'; }),
      'appointment.date must be a real calendar date in the format YYYY-MM-DD'],
    ['no time', withChange((r) => { delete r.appointment.time; }), 'appointment.time is required and must be a non-empty string'],
    ['a time after 23:59', withChange((r) => { r.appointment.time = '24:00'; }),
      'appointment.time must be a time in the format HH:MM from 00:00 to 23:59'],
    ['a time without a leading zero', withChange((r) => { r.appointment.time = '9:30'; }),
      'appointment.time must be a time in the format HH:MM from 00:00 to 23:59'],
    ['a time with seconds', withChange((r) => { r.appointment.time = '09:30:00'; }),
      'appointment.time must be a time in the format HH:MM from 00:00 to 23:59'],
    ['a zero duration', withChange((r) => { r.appointment.duration = 0; }),
      'appointment.duration must be a whole number of minutes from 1 to 1440'],
    ['a fractional duration', withChange((r) => { r.appointment.duration = 30.5; }),
      'appointment.duration must be a whole number of minutes from 1 to 1440'],
    ['a duration given as a string', withChange((r) => { r.appointment.duration = '30'; }),
      'appointment.duration must be a whole number of minutes from 1 to 1440'],
    ['a duration longer than a day', withChange((r) => { r.appointment.duration = 1441; }),
      'appointment.duration must be a whole number of minutes from 1 to 1440'],
    ['notes longer than 1000 characters', withChange((r) => { r.appointment.notes = 'x'.repeat(1001); }),
      'appointment.notes must be at most 1000 characters'],
    ...([
      ['U+FFFE in the first name', (r: any) => { r.appointment.patient.firstName = 'Ja\ufffene'; }, 'appointment.patient.firstName'],
      ['U+FFFF in the last name', (r: any) => { r.appointment.patient.lastName = 'Doe\uffff'; }, 'appointment.patient.lastName'],
      ['an unpaired surrogate in the dentist name', (r: any) => { r.appointment.dentist.name = 'Dr \ud800 Molar'; }, 'appointment.dentist.name'],
      ['a vertical tab in the clinic', (r: any) => { r.appointment.dentist.clinic = 'Bright\u000bSmiles'; }, 'appointment.dentist.clinic'],
      ['a NUL in the notes', (r: any) => { r.appointment.notes = 'bring\u0000x-rays'; }, 'appointment.notes'],
      ['an escape character in the contact number', (r: any) => { r.appointment.patient.contactNumber = '+44\u001b7700'; }, 'appointment.patient.contactNumber'],
      ['U+FFFF in the email', (r: any) => { r.appointment.patient.email = 'jane@example.com\uffff'; }, 'appointment.patient.email'],
      ['a NUL in the email', (r: any) => { r.appointment.patient.email = 'jane\u0000doe@example.com'; }, 'appointment.patient.email'],
    ] as const).map(([what, change, field]): [string, string, string] => [what, withChange(change),
      `${field} contains a character that is not allowed (control characters other than tab, line feed and carriage return, U+FFFE, U+FFFF, unpaired surrogates)`]),
  ])('with %s returns 400 with the message naming the problem and stores nothing', async (_case, body, message) => {
    const result = await handler(apiEvent(body));

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual({ message });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  test('a 400 response and its log line never echo the values sent', async () => {
    const result = await handler(apiEvent(withChange((r) => { r.appointment.patient.email = 'secret-person@nowhere'; })));

    expect(result.statusCode).toBe(400);
    expect(result.body).not.toContain('secret-person');
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret-person');
  });

  test.each([
    ['empty', ''],
    ['blank', '   '],
    ['256 characters long', 'k'.repeat(256)],
  ])('an Idempotency-Key that is %s is rejected with 400 and nothing is stored', async (_case, key) => {
    const result = await handler(apiEvent(JSON.stringify(validRequest()), { 'Idempotency-Key': key }));

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toEqual({ message: 'Idempotency-Key header must be 1 to 255 characters' });
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('Idempotency-Key', () => {
  const KEY = 'booking-7f3c';

  test('derives the id from the key, whatever the case of the header name', async () => {
    ddbMock.on(PutCommand).resolves({});

    const lower = await handler(apiEvent(JSON.stringify(validRequest()), { 'idempotency-key': KEY }));
    const canonical = await handler(apiEvent(JSON.stringify(validRequest()), { 'Idempotency-Key': KEY }));

    const expectedId = idFromIdempotencyKey(KEY);
    expect(expectedId).toMatch(UUID);
    expect(JSON.parse(lower.body).id).toBe(expectedId);
    expect(JSON.parse(canonical.body).id).toBe(expectedId);
    expect(ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.id)).toEqual([expectedId, expectedId]);
    expect(idFromIdempotencyKey('another-key')).not.toBe(expectedId);
  });

  test('a retry returns the first appointment (201, Idempotent-Replayed) from the failed condition without writing again', async () => {
    const first = { id: idFromIdempotencyKey(KEY), appointment: NORMALISED_APPOINTMENT };
    ddbMock.on(PutCommand).rejects(conditionalCheckFailed(first));

    const result = await handler(apiEvent(JSON.stringify(validRequest()), { 'Idempotency-Key': KEY }));

    expect(result.statusCode).toBe(201);
    expect(result.headers).toEqual({ 'Content-Type': 'application/json', 'Idempotent-Replayed': 'true' });
    expect(JSON.parse(result.body)).toEqual(first);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(PutCommand)[0].args[0].input.ConditionExpression).toBe('attribute_not_exists(id)');
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  test('a retry reads the first appointment back with a consistent GetItem when the failed condition carries no item', async () => {
    const first = { id: idFromIdempotencyKey(KEY), appointment: NORMALISED_APPOINTMENT };
    ddbMock.on(PutCommand).rejects(conditionalCheckFailed());
    ddbMock.on(GetCommand).resolves({ Item: first });

    const result = await handler(apiEvent(JSON.stringify(validRequest()), { 'Idempotency-Key': KEY }));

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toEqual(first);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(GetCommand)[0].args[0].input).toEqual({
      TableName: TABLE_NAME, Key: { id: first.id }, ConsistentRead: true,
    });
  });

  test('reusing a key for a different appointment returns 422 and writes nothing new', async () => {
    const first = { id: idFromIdempotencyKey(KEY), appointment: { ...NORMALISED_APPOINTMENT, time: '15:00' } };
    ddbMock.on(PutCommand).rejects(conditionalCheckFailed(first));

    const result = await handler(apiEvent(JSON.stringify(validRequest()), { 'Idempotency-Key': KEY }));

    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body)).toEqual({ message: 'Idempotency-Key has already been used for a different appointment' });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
  });
});

describe('a PutItem whose first attempt was stored but whose response was lost (the SDK retried it)', () => {
  // Fault injection: the retry of our own put fails its condition because the first attempt stored
  // the item. handlers.integ.test.ts does the same against DynamoDB Local through a proxy that drops
  // the first response.
  test('answers 201 with the stored appointment, read from the failed condition, and writes nothing else', async () => {
    ddbMock.on(PutCommand).callsFake((input) => { throw conditionalCheckFailed(input.Item); });

    const result = await handler(apiEvent(JSON.stringify(validRequest())));

    expect(result.statusCode).toBe(201);
    expect(result.headers).not.toHaveProperty('Idempotent-Replayed');
    const put = ddbMock.commandCalls(PutCommand)[0].args[0].input;
    expect(JSON.parse(result.body)).toEqual({ id: put.Item!.id, appointment: NORMALISED_APPOINTMENT });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  test('reads the item back with a consistent GetItem when the failed condition carries no item', async () => {
    let stored: Record<string, unknown> | undefined;
    ddbMock.on(PutCommand).callsFake((input) => { stored = input.Item; throw conditionalCheckFailed(); });
    ddbMock.on(GetCommand).callsFake(() => ({ Item: stored }));

    const result = await handler(apiEvent(JSON.stringify(validRequest())));

    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body)).toEqual(stored);
    expect(ddbMock.commandCalls(GetCommand)[0].args[0].input).toEqual({ TableName: TABLE_NAME, Key: { id: stored!.id }, ConsistentRead: true });
  });
});

describe('a storage failure', () => {
  const SECRET_TEXT = 'Internal detail: table arn:aws:dynamodb:eu-west-1:123456789012:table/appointments';

  test('returns 500 with a generic message that does not contain the exception text', async () => {
    ddbMock.on(PutCommand).rejects(new DynamoDBServiceException({
      name: 'InternalServerError', $fault: 'server', message: SECRET_TEXT, $metadata: { httpStatusCode: 500, requestId: 'REQ123' },
    }));

    const result = await handler(apiEvent(JSON.stringify(validRequest())));

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({ message: 'Internal server error' });
    expect(result.body).not.toContain('Internal detail');
  });

  test('is logged by error name and request id, without personal data or the exception text', async () => {
    ddbMock.on(PutCommand).rejects(new DynamoDBServiceException({
      name: 'InternalServerError', $fault: 'server', message: SECRET_TEXT, $metadata: { httpStatusCode: 500, requestId: 'REQ123' },
    }));

    await handler(apiEvent(JSON.stringify(validRequest())));

    expect(error).toHaveBeenCalledTimes(1);
    const logged = String(error.mock.calls[0][0]);
    expect(JSON.parse(logged)).toEqual({
      message: 'Failed to store appointment', errorName: 'InternalServerError', httpStatusCode: 500, awsRequestId: 'REQ123',
    });
    expect(logged).not.toMatch(/jane|doe|Internal detail/i);
  });

  test('a conditional check failure without an Idempotency-Key and a different stored appointment is a storage failure (500)', async () => {
    ddbMock.on(PutCommand).rejects(conditionalCheckFailed({ id: 'x', appointment: { ...NORMALISED_APPOINTMENT, time: '10:00' } }));

    const result = await handler(apiEvent(JSON.stringify(validRequest())));

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({ message: 'Internal server error' });
  });

  test('a missing TABLE_NAME returns 500 and attempts no write', async () => {
    delete process.env.TABLE_NAME;

    const result = await handler(apiEvent(JSON.stringify(validRequest())));

    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body)).toEqual({ message: 'Internal server error' });
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
