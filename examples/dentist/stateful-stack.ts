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
