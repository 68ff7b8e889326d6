/**
 * Evaluates the values of a cloud assembly's templates against the resources created on the local
 * endpoints: CloudFormation's intrinsic functions as the CloudFormation User Guide defines them
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html),
 * with the pseudo parameters of pseudo-parameters.ts. A function it does not evaluate is refused
 * with its name and the resource it is in.
 *
 * The symbol table it resolves against: the values each locally created resource registered
 * (tables, queues), and for every other resource a stable physical name and the ARN built from it
 * in the stack's partition, region and account.
 *
 * A template that refers to itself in a circle (conditions, resource names or exports that need each
 * other) fails with `circular reference: A -> B -> A in stack S`, never with a stack overflow.
 */
import type { AssemblyStack, CloudAssembly } from './assembly';
import { partitionOf, pseudoParameter } from './pseudo-parameters';
import { intrinsicOf, substitute, type TemplateResource } from './template';

/** The error for a circle, the same wherever one is found: `circular reference: A -> B -> A in <where>`. */
export function circularReference(chain: readonly string[], place: string): Error {
  return new Error(`circular reference: ${chain.join(' -> ')} in ${place}`);
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
export const CREATED_LOCALLY: ReadonlySet<string> = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::SQS::Queue']);

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

const SUPPORTED = 'Ref, Fn::GetAtt, Fn::ImportValue, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::FindInMap, Fn::Base64';

/** The value of `AWS::NoValue`, removed from the object or array holding it. */
const NO_VALUE = Symbol('AWS::NoValue');

/** Something being evaluated: a condition, a resource's physical name or an export. */
interface InProgress {
  readonly key: string;
  readonly label: string;
  readonly stack: AssemblyStack;
}

/**
 * The records of what was created locally, and the resolution of template values against them, for
 * every stack of one assembly.
 */
export class LocalAssembly {
  private readonly physical = new Map<string, PhysicalResource>();
  private readonly inProgress: InProgress[] = [];

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

  /** Whether a resource's `Condition` holds (true for a resource without one). */
  included(stack: AssemblyStack, resource: TemplateResource): boolean {
    return resource.Condition === undefined || this.condition(stack, resource.Condition, `stack ${stack.stackName}`);
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
    return this.guarded(stack, `name:${stack.id}/${logicalId}`, logicalId, () => {
      const spec = NAME_PROPERTIES[resource.Type];
      const given = spec ? resource.Properties?.[spec.property] : undefined;
      if (given !== undefined) {
        return this.resolveString(stack, given, logicalId);
      }
      const fifo = resource.Type === 'AWS::SQS::Queue' && String(this.resolve(stack, resource.Properties?.FifoQueue ?? false, logicalId)) === 'true';
      const suffix = fifo ? '.fifo' : '';
      const maxLength = (spec?.maxLength ?? 255) - suffix.length;
      return `${`${stack.stackName}-${logicalId}`.slice(0, maxLength)}${suffix}`;
    });
  }

  /**
   * Resolves a template value of a stack: every intrinsic function and pseudo parameter in it, at
   * any depth. `AWS::NoValue` removes the property or array element holding it.
   *
   * @param resourceLogicalId the resource whose property this is, named in errors
   */
  resolve(stack: AssemblyStack, value: unknown, resourceLogicalId?: string): unknown {
    const resolved = this.evaluate(stack, value, where(stack, resourceLogicalId));
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /** Like {@link resolve}, for a value that must be a string (numbers and booleans are turned into strings). */
  resolveString(stack: AssemblyStack, value: unknown, resourceLogicalId?: string): string {
    const resolved = this.resolve(stack, value, resourceLogicalId);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new Error(`Expected a string in ${where(stack, resourceLogicalId)}, got ${JSON.stringify(resolved)} from ${JSON.stringify(value)}`);
  }

  /** A resolver bound to one resource, in the shape the pipe and function readers take. */
  resolverFor(stack: AssemblyStack, logicalId: string): (value: unknown) => string {
    return (value) => this.resolveString(stack, value, logicalId);
  }

  /** Runs `compute` for `key`, failing with the circle when `key` is already being computed. */
  private guarded<T>(stack: AssemblyStack, key: string, label: string, compute: () => T): T {
    const start = this.inProgress.findIndex((entry) => entry.key === key);
    if (start >= 0) {
      const circle = this.inProgress.slice(start);
      throw circularReference([...circle.map((entry) => entry.label), label], `stack ${circle[0].stack.stackName}`);
    }
    this.inProgress.push({ key, label, stack });
    try {
      return compute();
    } finally {
      this.inProgress.pop();
    }
  }

  private evaluate(stack: AssemblyStack, value: unknown, at: string): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.evaluate(stack, item, at)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const intrinsic = intrinsicOf(value);
    if (intrinsic) {
      return this.intrinsic(stack, intrinsic[0], intrinsic[1], at);
    }
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const resolved = this.evaluate(stack, item, at);
      if (resolved !== NO_VALUE) result[key] = resolved;
    }
    return result;
  }

  private intrinsic(stack: AssemblyStack, name: string, argument: unknown, at: string): unknown {
    const text = (item: unknown): string => {
      const resolved = this.evaluate(stack, item, at);
      if (typeof resolved === 'string') return resolved;
      if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
      throw new Error(`${name} in ${at} expects a string, got ${JSON.stringify(resolved)}`);
    };
    switch (name) {
      case 'Ref':
        return this.ref(stack, text(argument), at);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument)
          ? [text(argument[0]), text(argument[1])]
          : (() => {
            const [id, ...rest] = text(argument).split('.');
            return [id, rest.join('.')];
          })();
        return this.attribute(stack, logicalId, attribute, at);
      }
      case 'Fn::ImportValue':
        return this.importValue(text(argument), at);
      case 'Fn::Join': {
        const [delimiter, items] = argument as [string, unknown];
        const list = this.evaluate(stack, items, at);
        if (!Array.isArray(list)) throw new Error(`Fn::Join in ${at} expects a list, got ${JSON.stringify(list)}`);
        return list.map((item) => text(item)).join(delimiter);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument, at);
      case 'Fn::Select': {
        const [index, items] = argument as [unknown, unknown];
        const list = this.evaluate(stack, items, at);
        const position = Number(text(index));
        if (!Array.isArray(list) || !Number.isInteger(position) || position < 0 || position >= list.length) {
          throw new Error(`Fn::Select in ${at}: index ${position} is not in ${JSON.stringify(list)}`);
        }
        return list[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = argument as [string, unknown];
        return text(source).split(delimiter);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.evaluate(stack, this.condition(stack, condition, at) ? whenTrue : whenFalse, at);
      }
      case 'Fn::Equals': {
        const [left, right] = argument as [unknown, unknown];
        return JSON.stringify(this.evaluate(stack, left, at)) === JSON.stringify(this.evaluate(stack, right, at));
      }
      case 'Fn::Not':
        return !this.truth(stack, (argument as unknown[])[0], at);
      case 'Fn::And':
        return (argument as unknown[]).every((item) => this.truth(stack, item, at));
      case 'Fn::Or':
        return (argument as unknown[]).some((item) => this.truth(stack, item, at));
      case 'Condition':
        return this.condition(stack, argument as string, at);
      case 'Fn::FindInMap': {
        const [map, first, second] = (argument as unknown[]).map((item) => text(item));
        const found = stack.template.Mappings?.[map]?.[first]?.[second];
        if (found === undefined) throw new Error(`Fn::FindInMap in ${at}: mapping ${map} has no ${first}.${second}`);
        return this.evaluate(stack, found, at);
      }
      case 'Fn::Base64':
        return Buffer.from(text(argument), 'utf8').toString('base64');
      default:
        throw new Error(`The intrinsic function ${name} in ${at} is not supported locally (supported: ${SUPPORTED})`);
    }
  }

  private truth(stack: AssemblyStack, value: unknown, at: string): boolean {
    const result = this.evaluate(stack, value, at);
    if (typeof result !== 'boolean') throw new Error(`Expected a condition in ${at}, got ${JSON.stringify(result)}`);
    return result;
  }

  private condition(stack: AssemblyStack, name: string, at: string): boolean {
    const definition = stack.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`Condition ${name} used in ${at} is not defined in stack ${stack.stackName}`);
    return this.guarded(stack, `condition:${stack.id}/${name}`, name, () => this.truth(stack, definition, `condition ${name} of stack ${stack.stackName}`));
  }

  private ref(stack: AssemblyStack, name: string, at: string): unknown {
    if (name === 'AWS::NoValue') return NO_VALUE;
    const pseudo = pseudoParameter(stack, name);
    if (pseudo !== undefined) return pseudo;
    const parameter = stack.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) throw new Error(`Parameter ${name} referenced in ${at} has no default value`);
      return parameter.Default;
    }
    return this.attribute(stack, name, undefined, at);
  }

  /** `Ref` (attribute undefined) or `Fn::GetAtt` of a resource. */
  private attribute(stack: AssemblyStack, logicalId: string, attribute: string | undefined, at: string): string {
    const resource = stack.template.Resources?.[logicalId];
    const expression = attribute === undefined ? `Ref ${logicalId}` : `Fn::GetAtt ${logicalId}.${attribute}`;
    if (!resource) {
      throw new Error(`${expression} in ${at}: stack ${stack.stackName} has no resource or parameter '${logicalId}'`);
    }
    const created = this.registered(stack, logicalId);
    if (created) {
      const value = attribute === undefined ? created.ref : created.attributes[attribute];
      if (value === undefined) {
        throw new Error(`${expression} in ${at}: the local ${resource.Type} has no attribute '${attribute}' (it has ${Object.keys(created.attributes).join(', ')})`);
      }
      return value;
    }
    if (CREATED_LOCALLY.has(resource.Type)) {
      throw new NotYetCreatedError(stack.stackName, logicalId, `${expression} in ${at}: ${resource.Type} ${logicalId} has not been created locally yet`);
    }
    const value = this.derived(stack, logicalId, resource.Type, attribute);
    if (value === undefined) {
      throw new Error(`${expression} in ${at}: the attribute ${attribute} of ${resource.Type} has no local value`);
    }
    return value;
  }

  /** `Ref` and `Arn` of resources that exist locally only as names (functions, pipes, roles, log groups...). */
  private derived(stack: AssemblyStack, logicalId: string, type: string, attribute: string | undefined): string | undefined {
    const name = this.physicalName(stack, logicalId);
    if (attribute === undefined) return name;
    const { region, account } = stack;
    const { partition } = partitionOf(region);
    const [, service, kind] = type.split('::');
    // ARN formats: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    const arns: Record<string, string> = {
      'AWS::Lambda::Function': `arn:${partition}:lambda:${region}:${account}:function:${name}`,
      'AWS::Pipes::Pipe': `arn:${partition}:pipes:${region}:${account}:pipe/${name}`,
      'AWS::IAM::Role': `arn:${partition}:iam::${account}:role/${name}`,
      'AWS::IAM::ManagedPolicy': `arn:${partition}:iam::${account}:policy/${name}`,
      'AWS::Logs::LogGroup': `arn:${partition}:logs:${region}:${account}:log-group:${name}:*`,
      'AWS::SNS::Topic': `arn:${partition}:sns:${region}:${account}:${name}`,
      'AWS::CloudWatch::Alarm': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${name}`,
      'AWS::KMS::Key': `arn:${partition}:kms:${region}:${account}:key/${name}`,
    };
    if (attribute === 'Arn') {
      return arns[type] ?? `arn:${partition}:${(service ?? '').toLowerCase()}:${region}:${account}:${(kind ?? '').toLowerCase()}/${name}`;
    }
    if (type === 'AWS::IAM::Role' && attribute === 'RoleId') return `AROA${logicalId.toUpperCase()}`.slice(0, 21);
    if (type === 'AWS::ApiGateway::RestApi' && attribute === 'RootResourceId') return `${name}-root`;
    if (type === 'AWS::KMS::Key' && attribute === 'KeyId') return name;
    if (type === 'AWS::Pipes::Pipe' && attribute === 'Name') return name;
    return undefined;
  }

  private importValue(exportName: string, at: string): string {
    for (const stack of this.assembly.stacks) {
      for (const [outputId, output] of Object.entries(stack.template.Outputs ?? {})) {
        const outputAt = `output ${outputId} of stack ${stack.stackName}`;
        if (output.Export && this.evaluate(stack, output.Export.Name, outputAt) === exportName) {
          return this.guarded(stack, `export:${exportName}`, exportName, () => {
            const value = this.evaluate(stack, output.Value, outputAt);
            if (typeof value !== 'string') throw new Error(`Export ${exportName} of stack ${stack.stackName} is not a string: ${JSON.stringify(value)}`);
            return value;
          });
        }
      }
    }
    throw new Error(`Fn::ImportValue in ${at}: no stack of the assembly exports '${exportName}'`);
  }

  private sub(stack: AssemblyStack, argument: unknown, at: string): string {
    const [template, variables] = Array.isArray(argument) ? argument as [unknown, Record<string, unknown>?] : [argument, undefined];
    if (typeof template !== 'string') throw new Error(`Fn::Sub in ${at} expects a string template, got ${JSON.stringify(template)}`);
    return substitute(template, (expression, source) => {
      if (expression.kind === 'literal') return expression.text;
      if (expression.kind === 'name' && variables && expression.name in variables) {
        const value = this.evaluate(stack, variables[expression.name], at);
        if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`Fn::Sub variable ${expression.name} in ${at} is not a string`);
        return String(value);
      }
      const value = expression.kind === 'attribute'
        ? this.attribute(stack, expression.logicalId, expression.attribute, at)
        : this.ref(stack, expression.name, at);
      if (typeof value !== 'string') throw new Error(`Fn::Sub ${source} in ${at} is not a string: ${JSON.stringify(value)}`);
      return value;
    });
  }
}

function where(stack: AssemblyStack, resourceLogicalId?: string): string {
  return resourceLogicalId ? `resource ${resourceLogicalId} of stack ${stack.stackName}` : `stack ${stack.stackName}`;
}
