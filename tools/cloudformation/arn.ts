/**
 * ARNs, parsed with the AWS SDK's own parser (`@aws-sdk/util-arn-parser`) rather than by splitting on
 * ':' in each module. Format: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import { build, parse, validate } from '@aws-sdk/util-arn-parser';

/** The parts of an ARN: `arn:<partition>:<service>:<region>:<accountId>:<resource>`. */
export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

/**
 * The parts of `arn`.
 * @throws Error naming the value when it is not an ARN
 */
export function parseArn(arn: string): ArnParts {
  if (!validate(arn)) {
    throw new Error(`${JSON.stringify(arn)} is not an ARN (arn:partition:service:region:account:resource)`);
  }
  return parse(arn);
}

/** The ARN made of `parts`. */
export function buildArn(parts: ArnParts): string {
  return build(parts);
}

/** The region of an ARN, or '' when it is not an ARN or names no region. */
export function regionOfArn(arn: string): string {
  return validate(arn) ? parse(arn).region : '';
}
