import { RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * Properties of the stateful stack.
 */
export interface DentistStatefulStackProps extends StackProps {
  /**
   * What happens to the tables when the stack is deleted. Keep RETAIN for real data;
   * DESTROY suits a short experiment (`-c removalPolicy=destroy`).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The values `-c removalPolicy=` accepts. */
export const REMOVAL_POLICY_CHOICES: Readonly<Record<string, RemovalPolicy>> = {
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
};

/**
 * The tables' removal policy from the `removalPolicy` context value: `retain` (also when absent) or
 * `destroy`. Anything else is refused, so that a typo cannot leave the tables retained (or not)
 * without the user noticing.
 */
export function removalPolicyFromContext(value: unknown): RemovalPolicy {
  if (value === undefined) return RemovalPolicy.RETAIN;
  const policy = typeof value === 'string' && Object.prototype.hasOwnProperty.call(REMOVAL_POLICY_CHOICES, value) ? REMOVAL_POLICY_CHOICES[value] : undefined;
  if (policy === undefined) {
    throw new Error(`Context removalPolicy must be one of: ${Object.keys(REMOVAL_POLICY_CHOICES).join(', ')} (got ${JSON.stringify(value)})`);
  }
  return policy;
}

/**
 * The data that must outlive every deployment: appointments and contacts.
 */
export class DentistStatefulStack extends Stack {
  /** Appointments, keyed by `id`; its stream (new images) feeds the reminder pipe. */
  public readonly appointments: dynamodb.TableV2;
  /** Patients' contact preferences, keyed by `id` = the patient's email in lower case. */
  public readonly contacts: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: DentistStatefulStackProps = {}) {
    super(scope, id, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.appointments = new dynamodb.TableV2(this, 'Appointments', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
      pointInTimeRecovery: true,
      removalPolicy,
    });

    this.contacts = new dynamodb.TableV2(this, 'Contacts', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      pointInTimeRecovery: true,
      removalPolicy,
    });
  }
}
