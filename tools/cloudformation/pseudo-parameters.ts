/**
 * CloudFormation's pseudo parameters for a stack deployed to a region and account:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
 *
 * `AWS::Partition` ("aws" in standard Regions, "aws-cn" in China, "aws-us-gov" in GovCloud (US), ...)
 * and `AWS::URLSuffix` ("typically amazonaws.com", "amazonaws.com.cn" in China) depend on the
 * region. Which partition a region belongs to, and that partition's domain suffix, are taken from the
 * AWS SDK's own endpoint partition data (the `partition` function of `@aws-sdk/core`, the data the SDK
 * resolves every endpoint with), not from a list kept here: it knows aws, aws-cn, aws-us-gov, the
 * aws-iso* partitions and aws-eusc by their region patterns. A region no partition claims falls in
 * `aws`, as the SDK does. Partitions in ARNs: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import { partition } from '@aws-sdk/core/client';

/** The partition of a region and its domain suffix (`AWS::Partition`, `AWS::URLSuffix`). */
export interface RegionPartition {
  /** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, ... */
  readonly partition: string;
  /** `amazonaws.com`, `amazonaws.com.cn`, `c2s.ic.gov`, ... */
  readonly urlSuffix: string;
}

/** The partition and URL suffix of `region`. */
export function partitionOf(region: string): RegionPartition {
  const { name, dnsSuffix } = partition(region);
  return { partition: name, urlSuffix: dnsSuffix };
}

/** Where a stack is deployed: what its pseudo parameters are made of. */
export interface StackPlacement {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
}

/** The pseudo parameters CloudFormation defines, by name. */
export const PSEUDO_PARAMETERS = [
  'AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix',
] as const;

/** The value of a pseudo parameter other than `AWS::NoValue` for a stack, or undefined for any other name. */
export function pseudoParameter(stack: StackPlacement, name: string): string | string[] | undefined {
  const { partition: partitionName, urlSuffix } = partitionOf(stack.region);
  switch (name) {
    case 'AWS::Region': return stack.region;
    case 'AWS::AccountId': return stack.account;
    case 'AWS::Partition': return partitionName;
    case 'AWS::URLSuffix': return urlSuffix;
    case 'AWS::StackName': return stack.stackName;
    // A stack id is a CloudFormation ARN ending in a unique id; locally the stack has none, so it ends in 'local'.
    case 'AWS::StackId': return `arn:${partitionName}:cloudformation:${stack.region}:${stack.account}:stack/${stack.stackName}/local`;
    // No stack notifications locally.
    case 'AWS::NotificationARNs': return [];
    default: return undefined;
  }
}
