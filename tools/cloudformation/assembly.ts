/**
 * Reads a synthesized CDK cloud assembly (a `cdk.out` directory) and resolves the values of its
 * CloudFormation templates against the resources created on the local endpoints.
 *
 * CloudFormation's intrinsic functions and pseudo parameters are evaluated as the CloudFormation
 * User Guide defines them:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html
 * A function this module does not evaluate is refused with its name and the resource it is in.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One resource of a CloudFormation template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly Metadata?: Record<string, unknown>;
}

/** The parts of a CloudFormation template this module reads. */
export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/** A stack of the assembly. */
export interface AssemblyStack {
  /** The artifact id in manifest.json (such as `DentistStateless`). */
  readonly id: string;
  /** The CloudFormation stack name. */
  readonly stackName: string;
  /** The stack's region: its environment's, or the local default when the stack is environment-agnostic. */
  readonly region: string;
  /** The stack's account: its environment's, or the local default when the stack is environment-agnostic. */
  readonly account: string;
  readonly template: Template;
  /** The directory of the (possibly nested) assembly holding the template and its assets. */
  readonly directory: string;
  /** The ids of the stacks this one depends on. */
  readonly dependencies: readonly string[];
}

/** A loaded cloud assembly: its stacks, every stack after those it depends on. */
export interface CloudAssembly {
  readonly directory: string;
  readonly stacks: readonly AssemblyStack[];
}

/** Options for {@link loadCloudAssembly}. */
export interface LoadCloudAssemblyOptions {
  /**
   * The region of environment-agnostic stacks.
   * @default - AWS_REGION, else `us-east-1`
   */
  readonly defaultRegion?: string;
  /**
   * The account of environment-agnostic stacks (fauxqs, the local SQS, uses `000000000000`).
   * @default '000000000000'
   */
  readonly defaultAccount?: string;
}

/** The account id the local services use. */
export const LOCAL_ACCOUNT_ID = '000000000000';

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly dependencies?: string[];
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string; readonly directoryName?: string };
}

/**
 * Loads `manifest.json` and every stack template of a cloud assembly, nested assemblies (CDK stages)
 * included. Throws a clear error when the directory is not a cloud assembly.
 */
export function loadCloudAssembly(directory: string, options: LoadCloudAssemblyOptions = {}): CloudAssembly {
  const defaultRegion = options.defaultRegion ?? process.env.AWS_REGION ?? 'us-east-1';
  const defaultAccount = options.defaultAccount ?? LOCAL_ACCOUNT_ID;
  const stacks: AssemblyStack[] = [];
  collectStacks(path.resolve(directory), defaultRegion, defaultAccount, stacks);
  if (stacks.length === 0) {
    throw new Error(`The cloud assembly in ${directory} has no stacks (no artifact of type aws:cloudformation:stack in manifest.json)`);
  }
  return { directory: path.resolve(directory), stacks: orderByDependencies(stacks) };
}

function collectStacks(directory: string, defaultRegion: string, defaultAccount: string, stacks: AssemblyStack[]): void {
  const manifestFile = path.join(directory, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(`${directory} is not a cloud assembly: it has no manifest.json (synthesize the app with 'cdk synth -o ${directory}')`);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { artifacts?: Record<string, ManifestArtifact> };
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      collectStacks(path.join(directory, artifact.properties.directoryName), defaultRegion, defaultAccount, stacks);
    } else if (artifact.type === 'aws:cloudformation:stack') {
      const templateFile = artifact.properties?.templateFile;
      if (!templateFile) {
        throw new Error(`Stack ${id} in ${manifestFile} has no templateFile`);
      }
      // environment: aws://<account>/<region>, with unknown-account / unknown-region when agnostic.
      const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '') ?? [];
      stacks.push({
        id,
        stackName: artifact.properties?.stackName ?? id,
        region: region && region !== 'unknown-region' ? region : defaultRegion,
        account: account && account !== 'unknown-account' ? account : defaultAccount,
        template: JSON.parse(readFileSync(path.join(directory, templateFile), 'utf8')) as Template,
        directory,
        dependencies: artifact.dependencies ?? [],
      });
    }
  }
}

function orderByDependencies(stacks: AssemblyStack[]): AssemblyStack[] {
  const byId = new Map(stacks.map((stack) => [stack.id, stack]));
  const ordered: AssemblyStack[] = [];
  const visiting = new Set<string>();
  const visit = (stack: AssemblyStack) => {
    if (ordered.includes(stack)) return;
    if (visiting.has(stack.id)) throw new Error(`Stacks ${[...visiting].join(', ')} depend on each other in a cycle`);
    visiting.add(stack.id);
    for (const dependency of stack.dependencies) {
      const other = byId.get(dependency);
      if (other) visit(other);
    }
    visiting.delete(stack.id);
    ordered.push(stack);
  };
  stacks.forEach(visit);
  return ordered;
}

/** The values a locally created resource answers to `Ref` and `Fn::GetAtt`. */
export interface PhysicalResource {
  /** The value of `Ref`. */
  readonly ref: string;
  /** The values of `Fn::GetAtt` by attribute name. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Thrown when a template value refers to a resource that exists in the template but has not been
 * created locally yet (for example a queue's redrive policy naming its dead-letter queue).
 */
export class NotYetCreatedError extends Error {
  constructor(readonly stackName: string, readonly logicalId: string, message: string) {
    super(message);
    this.name = 'NotYetCreatedError';
  }
}

/** The resource types whose `Ref` and `Fn::GetAtt` values only exist once created locally. */
const CREATED_LOCALLY = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::SQS::Queue']);

/** The property holding a resource's name, by type, and the longest name the service accepts. */
const NAME_PROPERTIES: Record<string, { readonly property: string; readonly maxLength: number }> = {
  'AWS::DynamoDB::Table': { property: 'TableName', maxLength: 255 },
  'AWS::DynamoDB::GlobalTable': { property: 'TableName', maxLength: 255 },
  'AWS::SQS::Queue': { property: 'QueueName', maxLength: 80 },
  'AWS::Lambda::Function': { property: 'FunctionName', maxLength: 64 },
  'AWS::Pipes::Pipe': { property: 'Name', maxLength: 64 },
  'AWS::IAM::Role': { property: 'RoleName', maxLength: 64 },
  'AWS::IAM::Policy': { property: 'PolicyName', maxLength: 128 },
  'AWS::IAM::ManagedPolicy': { property: 'ManagedPolicyName', maxLength: 128 },
  'AWS::Logs::LogGroup': { property: 'LogGroupName', maxLength: 512 },
  'AWS::SNS::Topic': { property: 'TopicName', maxLength: 256 },
  'AWS::CloudWatch::Alarm': { property: 'AlarmName', maxLength: 255 },
  'AWS::ApiGateway::RestApi': { property: 'Name', maxLength: 1024 },
  'AWS::KMS::Alias': { property: 'AliasName', maxLength: 256 },
};

/**
 * The records of what was created locally, and the resolution of template values against them, for
 * every stack of one assembly.
 */
export class LocalAssembly {
  private readonly physical = new Map<string, PhysicalResource>();

  constructor(readonly assembly: CloudAssembly) {}

  /** The stack with this artifact id or stack name. */
  stack(idOrName: string): AssemblyStack {
    const stack = this.assembly.stacks.find((candidate) => candidate.id === idOrName || candidate.stackName === idOrName);
    if (!stack) {
      throw new Error(`The cloud assembly has no stack '${idOrName}' (it has ${this.assembly.stacks.map((s) => s.id).join(', ')})`);
    }
    return stack;
  }

  /** Every resource of every stack, stacks in dependency order. */
  resources(): { stack: AssemblyStack; logicalId: string; resource: TemplateResource }[] {
    return this.assembly.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {}).map(([logicalId, resource]) => ({ stack, logicalId, resource })));
  }

  /** Records what a resource created locally answers to `Ref` and `Fn::GetAtt`. */
  register(stack: AssemblyStack, logicalId: string, resource: PhysicalResource): void {
    this.physical.set(`${stack.id}/${logicalId}`, resource);
  }

  /** What was recorded for a resource, if it was created locally. */
  registered(stack: AssemblyStack, logicalId: string): PhysicalResource | undefined {
    return this.physical.get(`${stack.id}/${logicalId}`);
  }

  /**
   * The physical name of a resource: its name property (such as `TableName` or `QueueName`) if set,
   * else a stable name made of the stack name and the logical id, cut to the service's length limit
   * (FIFO queues keep their required `.fifo` suffix).
   */
  physicalName(stack: AssemblyStack, logicalId: string): string {
    const resource = stack.template.Resources?.[logicalId];
    if (!resource) {
      throw new Error(`Stack ${stack.stackName} has no resource '${logicalId}'`);
    }
    const spec = NAME_PROPERTIES[resource.Type];
    const given = spec ? resource.Properties?.[spec.property] : undefined;
    if (given !== undefined) {
      return this.resolveString(stack, given, logicalId);
    }
    const fifo = resource.Type === 'AWS::SQS::Queue' && String(this.resolve(stack, resource.Properties?.FifoQueue ?? false, logicalId)) === 'true';
    const suffix = fifo ? '.fifo' : '';
    const maxLength = (spec?.maxLength ?? 255) - suffix.length;
    return `${`${stack.stackName}-${logicalId}`.slice(0, maxLength)}${suffix}`;
  }

  /**
   * Resolves a template value of a stack: every intrinsic function and pseudo parameter in it, at
   * any depth. `AWS::NoValue` removes the property or array element holding it.
   *
   * @param resourceLogicalId the resource whose property this is, named in errors
   */
  resolve(stack: AssemblyStack, value: unknown, resourceLogicalId?: string): unknown {
    const where = resourceLogicalId ? `resource ${resourceLogicalId} of stack ${stack.stackName}` : `stack ${stack.stackName}`;
    const resolved = this.evaluate(stack, value, where);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /** Like {@link resolve}, for a value that must be a string (numbers and booleans are turned into strings). */
  resolveString(stack: AssemblyStack, value: unknown, resourceLogicalId?: string): string {
    const resolved = this.resolve(stack, value, resourceLogicalId);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    const where = resourceLogicalId ? `resource ${resourceLogicalId} of stack ${stack.stackName}` : `stack ${stack.stackName}`;
    throw new Error(`Expected a string in ${where}, got ${JSON.stringify(resolved)} from ${JSON.stringify(value)}`);
  }

  /** A resolver bound to one resource, in the shape the pipe and function readers take. */
  resolverFor(stack: AssemblyStack, logicalId: string): (value: unknown) => string {
    return (value) => this.resolveString(stack, value, logicalId);
  }

  private evaluate(stack: AssemblyStack, value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.evaluate(stack, item, where)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::') || entries[0][0] === 'Condition')) {
      const [name, argument] = entries[0];
      if (name === 'Condition' && typeof argument !== 'string') {
        // A property that happens to be called Condition.
        return { Condition: this.evaluate(stack, argument, where) };
      }
      return this.intrinsic(stack, name, argument, where);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const resolved = this.evaluate(stack, item, where);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  private intrinsic(stack: AssemblyStack, name: string, argument: unknown, where: string): unknown {
    const text = (item: unknown): string => {
      const resolved = this.evaluate(stack, item, where);
      if (typeof resolved === 'string') return resolved;
      if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
      throw new Error(`${name} in ${where} expects a string, got ${JSON.stringify(resolved)}`);
    };
    switch (name) {
      case 'Ref':
        return this.ref(stack, text(argument), where);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument)
          ? [text(argument[0]), text(argument[1])]
          : (() => {
            const [id, ...rest] = text(argument).split('.');
            return [id, rest.join('.')];
          })();
        return this.getAtt(stack, logicalId, attribute, where);
      }
      case 'Fn::ImportValue':
        return this.importValue(text(argument), where);
      case 'Fn::Join': {
        const [delimiter, items] = argument as [string, unknown];
        const list = this.evaluate(stack, items, where);
        if (!Array.isArray(list)) throw new Error(`Fn::Join in ${where} expects a list, got ${JSON.stringify(list)}`);
        return list.map((item) => text(item)).join(delimiter);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument, where);
      case 'Fn::Select': {
        const [index, items] = argument as [unknown, unknown];
        const list = this.evaluate(stack, items, where);
        const position = Number(text(index));
        if (!Array.isArray(list) || !Number.isInteger(position) || position < 0 || position >= list.length) {
          throw new Error(`Fn::Select in ${where}: index ${position} is not in ${JSON.stringify(list)}`);
        }
        return list[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = argument as [string, unknown];
        return text(source).split(delimiter);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.evaluate(stack, this.condition(stack, condition, where) ? whenTrue : whenFalse, where);
      }
      case 'Fn::Equals': {
        const [left, right] = argument as [unknown, unknown];
        return JSON.stringify(this.evaluate(stack, left, where)) === JSON.stringify(this.evaluate(stack, right, where));
      }
      case 'Fn::Not':
        return !this.truth(stack, (argument as unknown[])[0], where);
      case 'Fn::And':
        return (argument as unknown[]).every((item) => this.truth(stack, item, where));
      case 'Fn::Or':
        return (argument as unknown[]).some((item) => this.truth(stack, item, where));
      case 'Condition':
        return this.condition(stack, argument as string, where);
      case 'Fn::FindInMap': {
        const [map, first, second] = (argument as unknown[]).map((item) => text(item));
        const found = stack.template.Mappings?.[map]?.[first]?.[second];
        if (found === undefined) throw new Error(`Fn::FindInMap in ${where}: mapping ${map} has no ${first}.${second}`);
        return this.evaluate(stack, found, where);
      }
      case 'Fn::Base64':
        return Buffer.from(text(argument), 'utf8').toString('base64');
      default:
        throw new Error(`The intrinsic function ${name} in ${where} is not supported locally (supported: Ref, Fn::GetAtt, Fn::ImportValue, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::FindInMap, Fn::Base64)`);
    }
  }

  private truth(stack: AssemblyStack, value: unknown, where: string): boolean {
    const result = this.evaluate(stack, value, where);
    if (typeof result !== 'boolean') throw new Error(`Expected a condition in ${where}, got ${JSON.stringify(result)}`);
    return result;
  }

  private condition(stack: AssemblyStack, name: string, where: string): boolean {
    const definition = stack.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`Condition ${name} used in ${where} is not defined in stack ${stack.stackName}`);
    return this.truth(stack, definition, where);
  }

  private ref(stack: AssemblyStack, name: string, where: string): unknown {
    switch (name) {
      case 'AWS::Region': return stack.region;
      case 'AWS::AccountId': return stack.account;
      case 'AWS::Partition': return 'aws';
      case 'AWS::URLSuffix': return 'amazonaws.com';
      case 'AWS::StackName': return stack.stackName;
      case 'AWS::StackId': return `arn:aws:cloudformation:${stack.region}:${stack.account}:stack/${stack.stackName}/local`;
      case 'AWS::NoValue': return NO_VALUE;
      case 'AWS::NotificationARNs': return [];
    }
    const parameter = stack.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) throw new Error(`Parameter ${name} referenced in ${where} has no default value`);
      return parameter.Default;
    }
    return this.attribute(stack, name, undefined, where);
  }

  private getAtt(stack: AssemblyStack, logicalId: string, attribute: string, where: string): string {
    return this.attribute(stack, logicalId, attribute, where);
  }

  /** `Ref` (attribute undefined) or `Fn::GetAtt` of a resource. */
  private attribute(stack: AssemblyStack, logicalId: string, attribute: string | undefined, where: string): string {
    const resource = stack.template.Resources?.[logicalId];
    const expression = attribute === undefined ? `Ref ${logicalId}` : `Fn::GetAtt ${logicalId}.${attribute}`;
    if (!resource) {
      throw new Error(`${expression} in ${where}: stack ${stack.stackName} has no resource or parameter '${logicalId}'`);
    }
    const created = this.registered(stack, logicalId);
    if (created) {
      const value = attribute === undefined ? created.ref : created.attributes[attribute];
      if (value === undefined) {
        throw new Error(`${expression} in ${where}: the local ${resource.Type} has no attribute '${attribute}' (it has ${Object.keys(created.attributes).join(', ')})`);
      }
      return value;
    }
    if (CREATED_LOCALLY.has(resource.Type)) {
      throw new NotYetCreatedError(stack.stackName, logicalId, `${expression} in ${where}: ${resource.Type} ${logicalId} has not been created locally yet`);
    }
    const value = this.derived(stack, logicalId, resource.Type, attribute);
    if (value === undefined) {
      throw new Error(`${expression} in ${where}: the attribute ${attribute} of ${resource.Type} has no local value`);
    }
    return value;
  }

  /** `Ref` and `Arn` of resources that exist locally only as names (functions, pipes, roles, log groups...). */
  private derived(stack: AssemblyStack, logicalId: string, type: string, attribute: string | undefined): string | undefined {
    const name = this.physicalName(stack, logicalId);
    const { region, account } = stack;
    if (attribute === undefined) return name;
    const [, service, kind] = type.split('::');
    const arns: Record<string, string> = {
      'AWS::Lambda::Function': `arn:aws:lambda:${region}:${account}:function:${name}`,
      'AWS::Pipes::Pipe': `arn:aws:pipes:${region}:${account}:pipe/${name}`,
      'AWS::IAM::Role': `arn:aws:iam::${account}:role/${name}`,
      'AWS::IAM::ManagedPolicy': `arn:aws:iam::${account}:policy/${name}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${region}:${account}:log-group:${name}:*`,
      'AWS::SNS::Topic': `arn:aws:sns:${region}:${account}:${name}`,
      'AWS::CloudWatch::Alarm': `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`,
      'AWS::KMS::Key': `arn:aws:kms:${region}:${account}:key/${name}`,
    };
    if (attribute === 'Arn') {
      return arns[type] ?? `arn:aws:${(service ?? '').toLowerCase()}:${region}:${account}:${(kind ?? '').toLowerCase()}/${name}`;
    }
    if (type === 'AWS::IAM::Role' && attribute === 'RoleId') return `AROA${logicalId.toUpperCase()}`.slice(0, 21);
    if (type === 'AWS::ApiGateway::RestApi' && attribute === 'RootResourceId') return `${name}-root`;
    if (type === 'AWS::KMS::Key' && attribute === 'KeyId') return name;
    if (type === 'AWS::Pipes::Pipe' && attribute === 'Name') return name;
    return undefined;
  }

  private importValue(exportName: string, where: string): string {
    for (const stack of this.assembly.stacks) {
      for (const [outputId, output] of Object.entries(stack.template.Outputs ?? {})) {
        if (output.Export && this.evaluate(stack, output.Export.Name, `output ${outputId} of stack ${stack.stackName}`) === exportName) {
          const value = this.evaluate(stack, output.Value, `output ${outputId} of stack ${stack.stackName}`);
          if (typeof value !== 'string') throw new Error(`Export ${exportName} of stack ${stack.stackName} is not a string: ${JSON.stringify(value)}`);
          return value;
        }
      }
    }
    throw new Error(`Fn::ImportValue in ${where}: no stack of the assembly exports '${exportName}'`);
  }

  private sub(stack: AssemblyStack, argument: unknown, where: string): string {
    const [template, variables] = Array.isArray(argument) ? argument as [unknown, Record<string, unknown>?] : [argument, undefined];
    if (typeof template !== 'string') throw new Error(`Fn::Sub in ${where} expects a string template, got ${JSON.stringify(template)}`);
    return template.replace(/\$\{([^}]*)\}/g, (match, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      if (variables && expression in variables) {
        const value = this.evaluate(stack, variables[expression], where);
        if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`Fn::Sub variable ${expression} in ${where} is not a string`);
        return String(value);
      }
      const dot = expression.indexOf('.');
      const value = dot > 0 && !expression.startsWith('AWS::')
        ? this.getAtt(stack, expression.slice(0, dot), expression.slice(dot + 1), where)
        : this.ref(stack, expression, where);
      if (typeof value !== 'string') throw new Error(`Fn::Sub ${match} in ${where} is not a string: ${JSON.stringify(value)}`);
      return value;
    });
  }
}

/** The value of `AWS::NoValue`, removed from the object or array holding it. */
const NO_VALUE = Symbol('AWS::NoValue');
