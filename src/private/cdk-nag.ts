import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Records a cdk-nag suppression on the CloudFormation resource of `scope` (or of its default
 * policy), as the metadata cdk-nag reads, so that this library needs no dependency on cdk-nag.
 */
export function suppressNag(scope: IConstruct, id: string, reason: string, appliesTo?: string[]): void {
  // A Role keeps its grants in 'DefaultPolicy'; a role imported with Role.fromRoleArn in 'Policy'.
  const isRole = 'roleArn' in scope;
  const policy = isRole ? scope.node.tryFindChild('DefaultPolicy') ?? scope.node.tryFindChild('Policy') : undefined;
  const resource = policy?.node.defaultChild ?? scope.node.defaultChild;
  if (!(resource instanceof CfnResource)) {
    return;
  }
  const existing = resource.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', {
    rules_to_suppress: [...existing, { id, reason, ...(appliesTo ? { applies_to: appliesTo } : {}) }],
  });
}
