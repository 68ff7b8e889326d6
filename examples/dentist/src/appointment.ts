/**
 * The appointment model of the dentist example: types, validation and normalisation of the
 * `POST /appointments` body.
 *
 * API Gateway validates the body against a JSON-schema model too, but the handler does not rely on
 * it: everything is validated again here, so the function is safe behind any front door.
 * Messages name the field that is wrong but never echo its value (no personal data in responses
 * or logs).
 */

export interface Patient {
  readonly firstName: string;
  readonly lastName: string;
  /** Trimmed and lower-cased: it is the key of the contacts table. */
  readonly email: string;
  readonly contactNumber?: string;
  /** YYYY-MM-DD */
  readonly dateOfBirth?: string;
}

export interface Dentist {
  readonly name: string;
  readonly clinic?: string;
  readonly contactNumber?: string;
}

export interface Appointment {
  readonly patient: Patient;
  readonly dentist: Dentist;
  /** YYYY-MM-DD, a real calendar date. */
  readonly date: string;
  /** HH:MM, 00:00 to 23:59. */
  readonly time: string;
  /** Minutes, a whole number from 1 to MAX_DURATION_MINUTES. */
  readonly duration?: number;
  readonly reason?: string;
  readonly notes?: string;
}

/**
 * What a reminder sender needs to know about an appointment, and nothing more: who (names), how to
 * reach them (email, contact number), with whom and when. Date of birth, reason and notes stay in
 * the appointments table: they are personal (health) data that a reminder does not use.
 */
export interface ReminderAppointment {
  readonly patient: Pick<Patient, 'firstName' | 'lastName' | 'email' | 'contactNumber'>;
  readonly dentist: Dentist;
  readonly date: string;
  readonly time: string;
  readonly duration?: number;
}

/** The item stored in the appointments table, and the body of a 201 response. */
export interface StoredAppointment {
  readonly id: string;
  readonly appointment: Appointment;
}

export type ParseResult =
  | { readonly ok: true; readonly appointment: Appointment }
  | { readonly ok: false; readonly message: string };

export const MAX_DURATION_MINUTES = 24 * 60;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_SHORT_TEXT = 100;
export const MAX_LONG_TEXT = 1000;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Longest local part (before the @) of an address, RFC 5321 section 4.5.3.1.1. */
export const MAX_EMAIL_LOCAL_PART_LENGTH = 64;
/** Letters, marks and digits of any script, and the ASCII `atext` symbols of RFC 5322 (no dot). */
const LOCAL_ATOM = "[\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~-]+";
/** A domain label: letters, marks and digits of any script, inner hyphens, at most 63 characters. */
const DOMAIN_LABEL = '[\\p{L}\\p{M}\\p{N}](?:[\\p{L}\\p{M}\\p{N}-]{0,61}[\\p{L}\\p{M}\\p{N}])?';
/**
 * dot-atom `@` two or more labels. Unicode letters are allowed (RFC 6531 addresses); spaces, control
 * and format characters (zero-width space, soft hyphen, NUL, ...) are not, nor empty or
 * hyphen-edged labels (`a@b..c`, `a@-b.c`).
 */
const EMAIL_PATTERN = new RegExp(`^${LOCAL_ATOM}(?:\\.${LOCAL_ATOM})*@${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})+$`, 'u');

/**
 * The characters Amazon SQS accepts in a message body: tab, line feed, carriage return, U+0020 to
 * U+D7FF, U+E000 to U+FFFD and U+10000 to U+10FFFF. A stored appointment becomes a queue message,
 * so a string holding anything else (another control character, U+FFFE, U+FFFF, an unpaired
 * surrogate) is refused at booking instead of failing, or being altered, at the queue.
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 * (that page says such messages are rejected with InvalidMessageContents; some SDK reference pages say
 * SQS replaces the characters with U+FFFD instead. Either way the data would not arrive intact.)
 */
const NOT_SQS_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export const DISALLOWED_CHARACTER_MESSAGE =
  'contains a character that is not allowed (control characters other than tab, line feed and carriage return, U+FFFE, U+FFFF, unpaired surrogates)';

/** True when Amazon SQS accepts every character of the string in a message body. */
export function hasOnlySqsCharacters(value: string): boolean {
  return !NOT_SQS_CHARACTER.test(value);
}

/**
 * The form of an email address used as the contacts table key, at booking and when adding contacts:
 * Unicode NFKC (full-width `ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ` becomes `jane@example.com`), surrounding
 * white space removed, lower case. Invisible characters are not removed: isValidEmail refuses them.
 */
export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase().normalize('NFKC');
}

/**
 * A syntactic check of a normalised address (see normaliseEmail): a dot-atom local part of at most
 * 64 characters, a domain of two or more labels, 254 characters in all. It does not prove the
 * address exists.
 */
export function isValidEmail(email: string): boolean {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email)) return false;
  return email.lastIndexOf('@') <= MAX_EMAIL_LOCAL_PART_LENGTH;
}

/** True for YYYY-MM-DD strings that name a day that exists (2024-02-29 yes, 2026-02-30 no). */
export function isCalendarDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** True for HH:MM from 00:00 to 23:59. */
export function isTimeOfDay(value: string): boolean {
  return TIME_PATTERN.test(value);
}

class ValidationError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(parent: Json, key: string, path: string): Json {
  const value = parent[key];
  if (!isObject(value)) throw new ValidationError(`${path} is required and must be an object`);
  return value;
}

function rejectUnknownFields(value: Json, allowed: readonly string[], path: string): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new ValidationError(`${path}.${unknown} is not an allowed field`);
}

function requiredString(parent: Json, key: string, path: string, maxLength = MAX_SHORT_TEXT): string {
  const value = parent[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError(`${path}.${key} is required and must be a non-empty string`);
  }
  return checkText(value.trim(), `${path}.${key}`, maxLength);
}

function optionalString(parent: Json, key: string, path: string, maxLength = MAX_SHORT_TEXT): string | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`${path}.${key} must be a string`);
  return checkText(value.trim(), `${path}.${key}`, maxLength);
}

/** Every string of an appointment ends up in a queue message: it must be short enough and SQS-safe. */
function checkText(value: string, path: string, maxLength: number): string {
  if (!hasOnlySqsCharacters(value)) throw new ValidationError(`${path} ${DISALLOWED_CHARACTER_MESSAGE}`);
  if (value.length > maxLength) throw new ValidationError(`${path} must be at most ${maxLength} characters`);
  return value;
}

/** Drops undefined properties so that stored items and responses only carry what was sent. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function parsePatient(appointment: Json): Patient {
  const path = 'appointment.patient';
  const patient = objectAt(appointment, 'patient', path);
  rejectUnknownFields(patient, ['firstName', 'lastName', 'email', 'contactNumber', 'dateOfBirth'], path);
  const firstName = requiredString(patient, 'firstName', path);
  const lastName = requiredString(patient, 'lastName', path);
  const email = normaliseEmail(requiredString(patient, 'email', path, MAX_EMAIL_LENGTH));
  if (!isValidEmail(email)) throw new ValidationError(`${path}.email must be a valid email address`);
  const contactNumber = optionalString(patient, 'contactNumber', path);
  const dateOfBirth = optionalString(patient, 'dateOfBirth', path);
  if (dateOfBirth !== undefined && !isCalendarDate(dateOfBirth)) {
    throw new ValidationError(`${path}.dateOfBirth must be a real calendar date in the format YYYY-MM-DD`);
  }
  return compact({ firstName, lastName, email, contactNumber, dateOfBirth });
}

function parseDentist(appointment: Json): Dentist {
  const path = 'appointment.dentist';
  const dentist = objectAt(appointment, 'dentist', path);
  rejectUnknownFields(dentist, ['name', 'clinic', 'contactNumber'], path);
  return compact({
    name: requiredString(dentist, 'name', path),
    clinic: optionalString(dentist, 'clinic', path),
    contactNumber: optionalString(dentist, 'contactNumber', path),
  });
}

function parseDuration(appointment: Json): number | undefined {
  const duration = appointment.duration;
  if (duration === undefined) return undefined;
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_MINUTES) {
    throw new ValidationError(`appointment.duration must be a whole number of minutes from 1 to ${MAX_DURATION_MINUTES}`);
  }
  return duration;
}

/**
 * Validates a parsed request body and returns the normalised appointment (strings trimmed, email
 * lower-cased, absent optional fields left out).
 */
export function validateAppointmentRequest(body: unknown): ParseResult {
  try {
    if (!isObject(body)) throw new ValidationError('Request body must be a JSON object');
    rejectUnknownFields(body, ['appointment'], 'body');
    const appointment = objectAt(body, 'appointment', 'appointment');
    rejectUnknownFields(appointment, ['patient', 'dentist', 'date', 'time', 'duration', 'reason', 'notes'], 'appointment');
    const patient = parsePatient(appointment);
    const dentist = parseDentist(appointment);
    const date = requiredString(appointment, 'date', 'appointment');
    if (!isCalendarDate(date)) throw new ValidationError('appointment.date must be a real calendar date in the format YYYY-MM-DD');
    const time = requiredString(appointment, 'time', 'appointment');
    if (!isTimeOfDay(time)) throw new ValidationError('appointment.time must be a time in the format HH:MM from 00:00 to 23:59');
    const duration = parseDuration(appointment);
    const reason = optionalString(appointment, 'reason', 'appointment', MAX_LONG_TEXT);
    const notes = optionalString(appointment, 'notes', 'appointment', MAX_LONG_TEXT);
    return { ok: true, appointment: compact({ patient, dentist, date, time, duration, reason, notes }) };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Parses and validates the raw body of an API Gateway proxy event. */
export function parseAppointmentRequest(rawBody: string | null | undefined, isBase64Encoded = false): ParseResult {
  if (rawBody === null || rawBody === undefined || rawBody.trim() === '') {
    return { ok: false, message: 'Request body is required' };
  }
  let body: unknown;
  try {
    body = JSON.parse(isBase64Encoded ? Buffer.from(rawBody, 'base64').toString('utf8') : rawBody);
  } catch {
    return { ok: false, message: 'Request body must be valid JSON' };
  }
  return validateAppointmentRequest(body);
}

/** JSON with object keys sorted, so that two equal appointments always serialise the same way. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** True when two appointments carry the same data, whatever the order of their keys. */
export function sameAppointment(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
