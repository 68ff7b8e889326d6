import { Duration, Token } from 'aws-cdk-lib';

/**
 * A short description of a value for an error message: `the number 5`, `the string "x"`, `an object`.
 */
export function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (value === undefined) {
    return 'undefined';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `the ${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    default: {
      const name = (value as { constructor?: { name?: string } }).constructor?.name;
      return name && name !== 'Object' ? `a ${name}` : 'an object';
    }
  }
}

/** Whether `value` is a non-null object (not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws `<prop> must be <expected>, got <value><hint>` unless `ok`.
 * Used for the shape of props that TypeScript checks but JavaScript callers may get wrong.
 */
export function requireShape(prop: string, value: unknown, ok: boolean, expected: string, hint: string = ''): void {
  if (!ok) {
    throw new Error(`${prop} must be ${expected}, got ${describeValue(value)}${hint}`);
  }
}

/** Whether `value` is an object whose `keys` are all strings (tokens included). */
export function hasStrings(value: unknown, ...keys: string[]): boolean {
  return isObject(value) && keys.every(k => typeof value[k] === 'string');
}

/** Whether `value` is an object whose `keys` are all functions. */
export function hasMethods(value: unknown, ...keys: string[]): boolean {
  return isObject(value) && keys.every(k => typeof value[k] === 'function');
}

/** Whether `value` behaves as a `Duration` (duck-typed: a second copy of aws-cdk-lib fails `instanceof`). */
export function isDuration(value: unknown): value is Duration {
  return hasMethods(value, 'toSeconds', 'isUnresolved');
}

/**
 * Throws when `value` is given and is not one of `allowed` (unresolved tokens pass).
 */
export function validateEnum(prop: string, value: unknown, allowed: readonly string[], typeName: string): void {
  if (value === undefined || (typeof value === 'string' && Token.isUnresolved(value))) {
    return;
  }
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new Error(`${prop} must be one of ${allowed.join(', ')} (${typeName}), got ${describeValue(value)}`);
  }
}

/**
 * Throws when `value` is a resolved number that is not an integer in [min, max].
 * Unresolved tokens pass: CloudFormation checks them at deploy time.
 */
export function validateIntegerRange(prop: string, value: unknown, min: number, max: number, why = ''): void {
  if (value === undefined || (typeof value === 'number' && Token.isUnresolved(value))) {
    return;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be an integer from ${min} to ${max}${why}, got ${typeof value === 'number' ? value : describeValue(value)}`);
  }
}

/**
 * Throws when `value` is not a `Duration`, or is a resolved duration outside [min, max] seconds,
 * or not a whole number of seconds.
 */
export function validateDurationSeconds(prop: string, value: unknown, min: number, max: number, hint: string = ''): void {
  if (value === undefined) {
    return;
  }
  requireShape(prop, value, isDuration(value), 'a Duration such as Duration.seconds(30)', hint);
  const duration = value as Duration;
  if (duration.isUnresolved()) {
    return;
  }
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new Error(`${prop} must be a whole number of seconds from ${min} to ${max}, got ${seconds} seconds`);
  }
}

/**
 * Throws when `value` is not a string, or is a resolved string whose length in characters (Unicode
 * code points, as the Smithy `length` trait of the AWS API models counts them) is outside [min, max].
 */
export function validateStringLength(prop: string, value: unknown, min: number, max: number): void {
  if (value === undefined) {
    return;
  }
  requireShape(prop, value, typeof value === 'string', 'a string');
  const text = value as string;
  if (Token.isUnresolved(text)) {
    return;
  }
  const length = [...text].length;
  if (length < min || length > max) {
    throw new Error(`${prop} must be ${min > 0 ? `${min} to ${max}` : `at most ${max}`} characters long, got ${length}`);
  }
}
