import { Duration, Token } from 'aws-cdk-lib';

/**
 * Throws when `value` is a resolved number that is not an integer in [min, max].
 * Unresolved tokens pass: CloudFormation checks them at deploy time.
 */
export function validateIntegerRange(prop: string, value: number | undefined, min: number, max: number, why = ''): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be an integer from ${min} to ${max}${why}, got ${value}`);
  }
}

/**
 * Throws when `value` is a resolved duration outside [min, max] seconds, or not a whole number of seconds.
 */
export function validateDurationSeconds(prop: string, value: Duration | undefined, min: number, max: number): void {
  if (value === undefined || value.isUnresolved()) {
    return;
  }
  const seconds = value.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new Error(`${prop} must be a whole number of seconds from ${min} to ${max}, got ${seconds} seconds`);
  }
}
