/**
 * Creates the data resources of a cloud assembly on the local endpoints: DynamoDB tables (on
 * DynamoDB Local) and SQS queues (on fauxqs), and records their physical names, ARNs, stream ARNs
 * and queue URLs so that the rest of the templates resolve against them.
 *
 * The CloudFormation properties are translated to the service APIs as the resource references
 * describe them:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-table.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-dynamodb-globaltable.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html
 */
import {
  type AttributeDefinition,
  type CreateTableCommandInput,
  CreateTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  type StreamViewType,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type QueueAttributeName, type SQSClient } from '@aws-sdk/client-sqs';
import { type AssemblyStack, circularReference, type LocalAssembly, NotYetCreatedError } from '../../cloudformation/assembly';
import { partitionOf } from '../../cloudformation/pseudo-parameters';
import type { TemplateResource } from '../../cloudformation/template';

/** A table created locally. */
export interface LocalTable {
  readonly stackName: string;
  readonly logicalId: string;
  /** The construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
  readonly tableName: string;
  readonly tableArn: string;
  /** The stream's ARN, when the table has a stream. */
  readonly streamArn?: string;
  /** The definition the table was created with. */
  readonly definition: CreateTableCommandInput;
}

/** A queue created locally. */
export interface LocalQueue {
  readonly stackName: string;
  readonly logicalId: string;
  /** The construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
  readonly queueName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** The attributes the queue was created with. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A template resource that has no local counterpart, and why. */
export interface SkippedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

/** What {@link createResources} created and left out. */
export interface LocalResources {
  readonly tables: readonly LocalTable[];
  readonly queues: readonly LocalQueue[];
  /** Resources created elsewhere (functions, pipes, APIs) or without local effect, with the reason. */
  readonly skipped: readonly SkippedResource[];
}

/** The clients of the local endpoints. */
export interface ResourceClients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
}

/** Why a resource type is not created by this module. */
export const NOT_CREATED_HERE: Readonly<Record<string, string>> = {
  'AWS::Lambda::Function': 'served by the local Lambda service',
  'AWS::Pipes::Pipe': 'executed by the local pipe runner',
  'AWS::ApiGateway::RestApi': 'served by the local API server',
  'AWS::ApiGateway::Resource': 'served by the local API server',
  'AWS::ApiGateway::Method': 'served by the local API server',
  'AWS::ApiGateway::Model': 'applied by the local API server',
  'AWS::ApiGateway::RequestValidator': 'applied by the local API server',
  'AWS::ApiGateway::Deployment': 'the local API server serves the template as it is',
  'AWS::ApiGateway::Stage': 'the local API server serves the template as it is',
  'AWS::ApiGateway::Account': 'no local effect: API Gateway logging settings',
  'AWS::Lambda::Permission': 'no local effect: no IAM locally, every local call is allowed',
  'AWS::IAM::Role': 'no local effect: no IAM locally, every local call is allowed',
  'AWS::IAM::Policy': 'no local effect: no IAM locally, every local call is allowed',
  'AWS::IAM::ManagedPolicy': 'no local effect: no IAM locally, every local call is allowed',
  'AWS::SQS::QueuePolicy': 'no local effect: no IAM locally, every local call is allowed',
  'AWS::Logs::LogGroup': 'no local effect: local processes log to the terminal',
  'AWS::CloudWatch::Alarm': 'no local effect: no CloudWatch metrics locally',
  'AWS::KMS::Key': 'no local effect: local services do not encrypt with KMS',
  'AWS::KMS::Alias': 'no local effect: local services do not encrypt with KMS',
  'AWS::SNS::Topic': 'no local effect: alarm notifications only',
  'AWS::SNS::Subscription': 'no local effect: alarm notifications only',
  'AWS::SNS::TopicPolicy': 'no local effect: no IAM locally, every local call is allowed',
  'AWS::SQS::QueueInlinePolicy': 'no local effect: no IAM locally, every local call is allowed',
  'AWS::CDK::Metadata': 'no local effect: CDK version reporting',
};

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);

/** A table or queue of the templates, read and resolved, before it exists anywhere. */
interface Pending {
  readonly stack: AssemblyStack;
  readonly logicalId: string;
  readonly resource: TemplateResource;
}

/** How the tables and queues come into being: created on the local endpoints, or only planned. */
interface Provisioner {
  table(pending: Pending, definition: CreateTableCommandInput, ttl: TimeToLive | undefined): Promise<LocalTable>;
  queue(pending: Pending, queueName: string, attributes: Record<string, string>): Promise<LocalQueue>;
}

/**
 * Creates every `AWS::DynamoDB::Table`, `AWS::DynamoDB::GlobalTable` and `AWS::SQS::Queue` of the
 * assembly (dead-letter queues before the queues whose redrive policy names them) and registers them
 * with `local` so that `Ref` and `Fn::GetAtt` resolve to the local names, ARNs, stream ARNs and URLs.
 */
export async function createResources(local: LocalAssembly, clients: ResourceClients): Promise<LocalResources> {
  return provision(local, {
    table: (pending, definition, ttl) => createTable(local, pending, definition, ttl, clients.dynamodb),
    queue: (pending, queueName, attributes) => createQueue(local, pending, queueName, attributes, clients.sqs),
  });
}

/**
 * Reads every table and queue of the assembly as {@link createResources} does, and registers the
 * names and ARNs they will have (AWS's formats, in the stack's partition, region and account; a
 * placeholder stream label and queue URL), without creating anything: so that the rest of the app
 * can be read and checked before any service starts. Fails exactly where creating them would fail
 * before the first call to a service.
 */
export async function planResources(local: LocalAssembly): Promise<LocalResources> {
  return provision(local, {
    table: async ({ stack, logicalId, resource }, definition) => {
      const tableName = definition.TableName!;
      const { partition } = partitionOf(stack.region);
      const tableArn = `arn:${partition}:dynamodb:${stack.region}:${stack.account}:table/${tableName}`;
      const streamArn = definition.StreamSpecification ? `${tableArn}/stream/planned` : undefined;
      registerTable(local, stack, logicalId, tableName, { Arn: tableArn, ...streamArn ? { StreamArn: streamArn } : {} }, resource.Type === 'AWS::DynamoDB::GlobalTable');
      return { stackName: stack.stackName, logicalId, path: cdkPath(resource), tableName, tableArn, streamArn, definition };
    },
    queue: async ({ stack, logicalId, resource }, queueName, attributes) => {
      const { partition, urlSuffix } = partitionOf(stack.region);
      const queueUrl = `https://sqs.${stack.region}.${urlSuffix}/${stack.account}/${queueName}`;
      const queueArn = `arn:${partition}:sqs:${stack.region}:${stack.account}:${queueName}`;
      local.register(stack, logicalId, { ref: queueUrl, attributes: { Arn: queueArn, QueueName: queueName, QueueUrl: queueUrl } });
      return { stackName: stack.stackName, logicalId, path: cdkPath(resource), queueName, queueUrl, queueArn, attributes };
    },
  });
}

async function provision(local: LocalAssembly, provisioner: Provisioner): Promise<LocalResources> {
  const tables: LocalTable[] = [];
  const queues: LocalQueue[] = [];
  const skipped: SkippedResource[] = [];
  const pending: Pending[] = [];
  for (const { stack, logicalId, resource } of local.resources()) {
    if (!local.included(stack, resource)) {
      skipped.push({ stackName: stack.stackName, logicalId, type: resource.Type, reason: `its condition ${resource.Condition} is false` });
    } else if (TABLE_TYPES.has(resource.Type) || resource.Type === 'AWS::SQS::Queue') {
      pending.push({ stack, logicalId, resource });
    } else {
      skipped.push({
        stackName: stack.stackName,
        logicalId,
        type: resource.Type,
        reason: NOT_CREATED_HERE[resource.Type] ?? 'not created locally: the local run models only the data path (tables, queues, functions, pipes, REST APIs)',
      });
    }
  }
  // A resource whose properties refer to a table or queue not created yet waits for the next pass.
  while (pending.length > 0) {
    const before = pending.length;
    const waiting = new Map<Pending, NotYetCreatedError>();
    for (const item of [...pending]) {
      try {
        if (TABLE_TYPES.has(item.resource.Type)) {
          const { definition, ttl } = tableDefinition(local, item);
          tables.push(await provisioner.table(item, definition, ttl));
        } else {
          const { queueName, attributes } = queueAttributes(local, item);
          queues.push(await provisioner.queue(item, queueName, attributes));
        }
        pending.splice(pending.indexOf(item), 1);
      } catch (error) {
        if (!(error instanceof NotYetCreatedError)) throw error;
        waiting.set(item, error);
      }
    }
    if (pending.length === before) {
      // Nothing could be created in a whole pass: the resources wait for each other, or for one that is never created.
      throw stuck(pending, waiting);
    }
  }
  return { tables, queues, skipped };
}

/** Why no pending resource can be created: the circle they wait in, else the first one's reason. */
function stuck(pending: readonly Pending[], waiting: ReadonlyMap<Pending, NotYetCreatedError>): Error {
  const [first] = pending;
  const firstError = waiting.get(first)!;
  const chain: Pending[] = [first];
  for (;;) {
    const blocker = waiting.get(chain[chain.length - 1])!;
    const next = pending.find((item) => item.logicalId === blocker.logicalId && item.stack.stackName === blocker.stackName);
    if (!next) return firstError;
    if (chain.includes(next)) {
      const circle = [...chain.slice(chain.indexOf(next)), next];
      const error = circularReference(circle.map((item) => item.logicalId), `stack ${next.stack.stackName}`);
      error.message = `${error.message} (${waiting.get(next)!.message})`;
      return error;
    }
    chain.push(next);
  }
}

function cdkPath(resource: TemplateResource): string | undefined {
  const value = resource.Metadata?.['aws:cdk:path'];
  return typeof value === 'string' ? value : undefined;
}

function properties(local: LocalAssembly, stack: AssemblyStack, logicalId: string, resource: TemplateResource): Record<string, unknown> {
  return (local.resolve(stack, resource.Properties ?? {}, logicalId) ?? {}) as Record<string, unknown>;
}

/** Reads the throughput of a provisioned table or index (GlobalTable: fixed units or the autoscaling minimum). */
function throughput(read: unknown, write: unknown): ProvisionedThroughput {
  const units = (settings: unknown, key: string): number => {
    const object = (settings ?? {}) as Record<string, unknown>;
    const autoscaling = object[`${key}CapacityAutoScalingSettings`] as Record<string, unknown> | undefined;
    return Number(object[`${key}CapacityUnits`] ?? autoscaling?.MinCapacity ?? 1);
  };
  return { ReadCapacityUnits: units(read, 'Read'), WriteCapacityUnits: units(write, 'Write') };
}

/** `TimeToLiveSpecification` of a table. */
interface TimeToLive {
  readonly AttributeName?: string;
  readonly Enabled?: boolean;
}

/** The CreateTable request for a table resource, and its time to live: read and resolved, nothing created. */
function tableDefinition(
  local: LocalAssembly, { stack, logicalId, resource }: Pending,
): { definition: CreateTableCommandInput; ttl?: TimeToLive } {
  const props = properties(local, stack, logicalId, resource);
  const global = resource.Type === 'AWS::DynamoDB::GlobalTable';
  const tableName = local.physicalName(stack, logicalId);
  const billingMode = (props.BillingMode as string | undefined) ?? 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  // A global table's replica in the stack's region carries its read capacity and per-index settings.
  const replicas = (props.Replicas ?? []) as Record<string, unknown>[];
  const replica = replicas.find((candidate) => candidate.Region === stack.region) ?? replicas[0] ?? {};
  const tableThroughput = (): ProvisionedThroughput => {
    if (!global) {
      const given = props.ProvisionedThroughput as ProvisionedThroughput | undefined;
      if (!given) throw new Error(`${resource.Type} ${logicalId} of stack ${stack.stackName}: BillingMode PROVISIONED needs ProvisionedThroughput`);
      return { ReadCapacityUnits: Number(given.ReadCapacityUnits), WriteCapacityUnits: Number(given.WriteCapacityUnits) };
    }
    return throughput(replica.ReadProvisionedThroughputSettings, props.WriteProvisionedThroughputSettings);
  };
  const gsis = ((props.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[]).map((index): GlobalSecondaryIndex => {
    const replicaIndexes = (replica.GlobalSecondaryIndexes ?? []) as Record<string, unknown>[];
    const replicaIndex = replicaIndexes.find((candidate) => candidate.IndexName === index.IndexName);
    return {
      IndexName: index.IndexName as string,
      KeySchema: index.KeySchema as KeySchemaElement[],
      Projection: index.Projection as Projection,
      ...provisioned ? {
        ProvisionedThroughput: global
          ? throughput(replicaIndex?.ReadProvisionedThroughputSettings, index.WriteProvisionedThroughputSettings)
          : index.ProvisionedThroughput as ProvisionedThroughput ?? tableThroughput(),
      } : {},
    };
  });
  const lsis = ((props.LocalSecondaryIndexes ?? []) as Record<string, unknown>[]).map((index): LocalSecondaryIndex => ({
    IndexName: index.IndexName as string,
    KeySchema: index.KeySchema as KeySchemaElement[],
    Projection: index.Projection as Projection,
  }));
  const streamViewType = (props.StreamSpecification as { StreamViewType?: StreamViewType } | undefined)?.StreamViewType;
  const definition: CreateTableCommandInput = {
    TableName: tableName,
    KeySchema: props.KeySchema as KeySchemaElement[],
    AttributeDefinitions: props.AttributeDefinitions as AttributeDefinition[],
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...provisioned ? { ProvisionedThroughput: tableThroughput() } : {},
    ...gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {},
    ...lsis.length > 0 ? { LocalSecondaryIndexes: lsis } : {},
    ...streamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType } } : {},
  };
  return { definition, ttl: props.TimeToLiveSpecification as TimeToLive | undefined };
}

async function createTable(
  local: LocalAssembly, { stack, logicalId, resource }: Pending, definition: CreateTableCommandInput,
  ttl: TimeToLive | undefined, client: DynamoDBClient,
): Promise<LocalTable> {
  const tableName = definition.TableName!;
  let output;
  try {
    output = await client.send(new CreateTableCommand(definition));
  } catch (error) {
    throw new Error(`Could not create ${resource.Type} ${logicalId} of stack ${stack.stackName} as table '${tableName}': ${(error as Error).message}`);
  }
  if (ttl?.Enabled && ttl.AttributeName) {
    await client.send(new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
    }));
  }
  // ARNs as in AWS: the stack's partition, region and account, never DynamoDB Local's own
  // (arn:aws:dynamodb:ddblocal:000000000000:...), which would reach the functions and the pipe's
  // records. The stream keeps DynamoDB Local's label, by which the engine finds it again
  // (engine/sources/dynamodb-stream.ts, streamApiArn).
  const tableArn = `arn:${partitionOf(stack.region).partition}:dynamodb:${stack.region}:${stack.account}:table/${tableName}`;
  const label = output.TableDescription?.LatestStreamLabel;
  const streamArn = label ? `${tableArn}/stream/${label}` : undefined;
  registerTable(local, stack, logicalId, tableName, { Arn: tableArn, ...streamArn ? { StreamArn: streamArn } : {} }, resource.Type === 'AWS::DynamoDB::GlobalTable');
  return { stackName: stack.stackName, logicalId, path: cdkPath(resource), tableName, tableArn, streamArn, definition };
}

/** What a table answers to `Ref` (its name) and `Fn::GetAtt` (a global table also has `TableId`). */
function registerTable(
  local: LocalAssembly, stack: AssemblyStack, logicalId: string, tableName: string, attributes: Record<string, string>, global: boolean,
): void {
  local.register(stack, logicalId, { ref: tableName, attributes: { ...attributes, ...global ? { TableId: tableName } : {} } });
}

/** CloudFormation queue properties that are SQS queue attributes of the same name. */
const QUEUE_ATTRIBUTES = [
  'ContentBasedDeduplication', 'DeduplicationScope', 'DelaySeconds', 'FifoQueue', 'FifoThroughputLimit',
  'MaximumMessageSize', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'VisibilityTimeout',
] as const;

/** Queue properties about encryption: no local effect (the local queue does not encrypt). */
const ENCRYPTION_PROPERTIES = new Set(['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled']);

/** The name and CreateQueue attributes of a queue resource: read and resolved, nothing created. */
function queueAttributes(local: LocalAssembly, { stack, logicalId, resource }: Pending): { queueName: string; attributes: Record<string, string> } {
  const props = properties(local, stack, logicalId, resource);
  const queueName = local.physicalName(stack, logicalId);
  const attributes: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) {
    if (props[name] !== undefined) attributes[name] = String(props[name]);
  }
  // FifoQueue=false is the default and SQS refuses the attribute on a standard queue.
  if (attributes.FifoQueue === 'false') delete attributes.FifoQueue;
  for (const name of ['RedrivePolicy', 'RedriveAllowPolicy']) {
    const value = props[name];
    if (value !== undefined) attributes[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const known = new Set<string>([...QUEUE_ATTRIBUTES, 'RedrivePolicy', 'RedriveAllowPolicy', 'QueueName', 'Tags', ...ENCRYPTION_PROPERTIES]);
  const unknown = Object.keys(props).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`AWS::SQS::Queue ${logicalId} of stack ${stack.stackName}: the properties ${unknown.join(', ')} are not supported locally`);
  }
  return { queueName, attributes };
}

async function createQueue(
  local: LocalAssembly, { stack, logicalId, resource }: Pending, queueName: string, attributes: Record<string, string>, client: SQSClient,
): Promise<LocalQueue> {
  let queueUrl: string | undefined;
  try {
    ({ QueueUrl: queueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes })));
    if (!queueUrl) throw new Error('CreateQueue returned no QueueUrl');
  } catch (error) {
    throw new Error(`Could not create AWS::SQS::Queue ${logicalId} of stack ${stack.stackName} as queue '${queueName}': ${(error as Error).message}`);
  }
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn' as QueueAttributeName] }));
  const queueArn = Attributes?.QueueArn ?? `arn:${partitionOf(stack.region).partition}:sqs:${stack.region}:${stack.account}:${queueName}`;
  local.register(stack, logicalId, { ref: queueUrl, attributes: { Arn: queueArn, QueueName: queueName, QueueUrl: queueUrl } });
  return { stackName: stack.stackName, logicalId, path: cdkPath(resource), queueName, queueUrl, queueArn, attributes };
}
