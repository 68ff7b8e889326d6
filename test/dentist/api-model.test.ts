/**
 * The request model (JSON Schema draft-04, as API Gateway's validator and the local run apply it)
 * must agree with the handler: it may let through what the handler then refuses with a precise
 * message, but it must never refuse a booking the handler accepts.
 */
import Ajv from 'ajv-draft-04';
import { appointmentRequestSchema } from '../../examples/dentist/api-model';
import { validateAppointmentRequest } from '../../examples/dentist/src/appointment';

// The same options as the local run's API server (tools/emulator).
const validate = new Ajv({ allErrors: false, strict: false, validateFormats: false })
  .compile(JSON.parse(JSON.stringify(appointmentRequestSchema)) as object);

function request(change: (appointment: any) => void): unknown {
  const appointment = {
    patient: { firstName: 'Jane', lastName: 'Doe', email: 'jane@example.com' },
    dentist: { name: 'Dr Molar' },
    date: '2026-03-10',
    time: '09:30',
  };
  change(appointment);
  return { appointment };
}

describe.each([
  ['full-width letters (normalised by NFKC)', '\uff4a\uff41\uff4e\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d'],
  ['letters of another script', 'josé@bücher.example'],
  ['surrounding spaces and upper case', '  Jane@Example.COM  '],
  ['a plus and an apostrophe', "o'neil+dentist@example.co.uk"],
])('an email with %s', (_what, email) => {
  test('is accepted by the model and by the handler', () => {
    const body = request((a) => { a.patient.email = email; });
    expect(validate(body)).toBe(true);
    expect(validateAppointmentRequest(body).ok).toBe(true);
  });
});

describe.each([
  ['a NUL', 'jane\u0000@example.com'],
  ['U+FFFF', 'jane@example.com\uffff'],
  ['a space inside', 'jane doe@example.com'],
])('an email with %s', (_what, email) => {
  test('is refused by the model and by the handler', () => {
    const body = request((a) => { a.patient.email = email; });
    expect(validate(body)).toBe(false);
    expect(validateAppointmentRequest(body).ok).toBe(false);
  });
});

describe.each([
  ['a zero-width space', 'jane\u200b@example.com'],
  ['a soft hyphen', 'ja\u00adne@example.com'],
  ['an empty domain label', 'a@b..c'],
  ['a label starting with a hyphen', 'a@-b.c'],
])('an email with %s', (_what, email) => {
  test('passes the model (a pattern cannot normalise) and is refused by the handler naming the field', () => {
    const body = request((a) => { a.patient.email = email; });
    expect(validate(body)).toBe(true);
    expect(validateAppointmentRequest(body)).toEqual({ ok: false, message: 'appointment.patient.email must be a valid email address' });
  });
});

describe.each([
  ['firstName', (a: any, text: string) => { a.patient.firstName = text; }],
  ['lastName', (a: any, text: string) => { a.patient.lastName = text; }],
  ['dentist name', (a: any, text: string) => { a.dentist.name = text; }],
  ['notes', (a: any, text: string) => { a.notes = text; }],
])('the %s', (_field, set) => {
  test.each([
    ['U+FFFE', 'A\ufffeB'],
    ['U+FFFF', 'A\uffffB'],
    ['a NUL', 'A\u0000B'],
    ['an escape character', 'A\u001bB'],
  ])('with %s is refused by the model and by the handler', (_what, text) => {
    const body = request((a) => set(a, text));
    expect(validate(body)).toBe(false);
    expect(validateAppointmentRequest(body).ok).toBe(false);
  });

  test.each([
    ['a tab and a line break', 'A\tB\r\nC'],
    ['an emoji beyond U+FFFF', 'A \u{1F9B7} B'],
    ['accented letters', 'Zoë Ñúñez'],
  ])('with %s is accepted by the model and by the handler', (_what, text) => {
    const body = request((a) => set(a, text));
    expect(validate(body)).toBe(true);
    expect(validateAppointmentRequest(body).ok).toBe(true);
  });
});
