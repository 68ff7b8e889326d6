import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { describeValue, enumProblem, PipesLimit, rangeProblem } from './pipes-limits';

export { describeValue };

/**
 * Throws the construct's validation error, `<path>: <message>`, where the message reads
 * `<prop> must be <rule>, got <value>` (or `<prop> must be unset when ...: <why>` for props that do not go together).
 */
export function invalid(scope: IConstruct, message: string): never {
  throw new Error(`${scope.node.path}: ${message}`);
}

/** Whether `value` is a non-null object (not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Throws `<prop> must be <expected>, got <value><hint>` unless `ok`.
 * Used for the shape of props that TypeScript checks but JavaScript callers may get wrong.
 */
export function requireShape(scope: IConstruct, prop: string, value: unknown, ok: boolean, expected: string, hint: string = ''): void {
  if (!ok) {
    invalid(scope, `${prop} must be ${expected}, got ${describeValue(value)}${hint}`);
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
export function validateEnum(scope: IConstruct, prop: string, value: unknown, allowed: readonly string[], typeName: string): void {
  if (value === undefined || (typeof value === 'string' && Token.isUnresolved(value))) {
    return;
  }
  const problem = enumProblem(prop, value, allowed, typeName);
  if (problem) {
    invalid(scope, problem);
  }
}

/**
 * Throws `<prop> must be <rule>, got <value>` when `value` is given and outside `limit` (see
 * `rangeProblem`). Unresolved tokens pass: CloudFormation checks them at deploy time. For a limit in
 * seconds, `value` must be a `Duration` (`shapeHint` is added when it is not).
 */
export function validateRange(scope: IConstruct, prop: string, value: unknown, limit: PipesLimit, shapeHint: string = ''): void {
  if (value === undefined) {
    return;
  }
  let checked = value;
  if (limit.unit === 'seconds') {
    requireShape(scope, prop, value, isDuration(value), 'a Duration such as Duration.seconds(30)', shapeHint);
    const duration = value as Duration;
    if (duration.isUnresolved()) {
      return;
    }
    checked = duration.toSeconds({ integral: false });
  } else if ((typeof value === 'number' || typeof value === 'string') && Token.isUnresolved(value)) {
    return;
  }
  const problem = rangeProblem(prop, checked, limit);
  if (problem) {
    invalid(scope, problem);
  }
}
