/**
 * The one shape of a CloudFormation template the local tools read, and the one place that
 * recognizes the syntax of intrinsic functions in a template value (what is a `Ref`, an
 * `Fn::GetAtt`, the `${...}` expressions of an `Fn::Sub`). Evaluating them is the resolver's job
 * (resolver.ts); finding which logical ids a value refers to is {@link referencesIn}.
 *
 * Template anatomy: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html
 * Intrinsic functions: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html
 */

/** One resource of a template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly Metadata?: Record<string, unknown>;
}

/** One output of a template. */
export interface TemplateOutput {
  readonly Value: unknown;
  readonly Export?: { readonly Name: unknown };
  readonly Condition?: string;
}

/** The parts of a CloudFormation template the local tools read. */
export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<string, TemplateOutput>;
  readonly Parameters?: Record<string, { readonly Type: string; readonly Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

/** Turns a template value (a string, or an intrinsic such as `Ref` or `Fn::GetAtt`) into a string. */
export type ResolveValue = (value: unknown) => string;

/**
 * The intrinsic function a template value is, as `[name, argument]`: an object with a single key
 * that is `Ref`, `Condition` (with a condition name) or starts with `Fn::`. Anything else is data.
 */
export function intrinsicOf(value: unknown): [string, unknown] | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const [name] = keys;
  const argument = (value as Record<string, unknown>)[name];
  if (name === 'Ref' || name.startsWith('Fn::') || (name === 'Condition' && typeof argument === 'string')) {
    return [name, argument];
  }
  return undefined;
}

/** The logical id of `{"Ref": id}`, when the value is one with a literal id. */
export function refTarget(value: unknown): string | undefined {
  const intrinsic = intrinsicOf(value);
  return intrinsic?.[0] === 'Ref' && typeof intrinsic[1] === 'string' ? intrinsic[1] : undefined;
}

/**
 * `[logicalId, attribute]` of an `Fn::GetAtt` written with literals, in either form
 * (`["Id", "Attr"]` or `"Id.Attr"`, where the attribute may itself hold dots).
 */
export function getAttTarget(value: unknown): [string, string] | undefined {
  const intrinsic = intrinsicOf(value);
  if (intrinsic?.[0] !== 'Fn::GetAtt') return undefined;
  const argument = intrinsic[1];
  if (Array.isArray(argument) && typeof argument[0] === 'string' && typeof argument[1] === 'string') {
    return [argument[0], argument[1]];
  }
  if (typeof argument === 'string' && argument.indexOf('.') > 0) {
    const dot = argument.indexOf('.');
    return [argument.slice(0, dot), argument.slice(dot + 1)];
  }
  return undefined;
}

/** One `${...}` of an `Fn::Sub` template string. */
export type SubExpression =
  /** `${!Literal}`: written out as `${Literal}`. */
  | { readonly kind: 'literal'; readonly text: string }
  /** `${Name}`: a variable of the Fn::Sub, a parameter, a pseudo parameter or a resource's `Ref`. */
  | { readonly kind: 'name'; readonly name: string }
  /** `${Id.Attr}`: a resource's `Fn::GetAtt`. */
  | { readonly kind: 'attribute'; readonly logicalId: string; readonly attribute: string };

/**
 * Replaces every `${...}` of an `Fn::Sub` template string with what `replace` returns for it.
 * `${AWS::Region}` is a name (pseudo parameters hold no attribute); `${Id.Attr}` an attribute.
 */
export function substitute(template: string, replace: (expression: SubExpression, source: string) => string): string {
  return template.replace(/\$\{([^}]*)\}/g, (source, inner: string) => replace(subExpression(inner), source));
}

function subExpression(inner: string): SubExpression {
  if (inner.startsWith('!')) return { kind: 'literal', text: `\${${inner.slice(1)}}` };
  const dot = inner.indexOf('.');
  if (dot > 0 && !inner.startsWith('AWS::')) {
    return { kind: 'attribute', logicalId: inner.slice(0, dot), attribute: inner.slice(dot + 1) };
  }
  return { kind: 'name', name: inner };
}

/** A reference from a template value to a logical id. */
export interface Reference {
  /** How the value refers to it. */
  readonly via: 'Ref' | 'Fn::GetAtt' | 'Fn::Sub';
  readonly logicalId: string;
  /** The attribute of an `Fn::GetAtt` or `${Id.Attr}`. */
  readonly attribute?: string;
}

/**
 * Every reference to a logical id in a template value, at any depth: `Ref`, `Fn::GetAtt` and the
 * `${Id}` / `${Id.Attr}` expressions of `Fn::Sub` (not its own variables, nor pseudo parameters).
 */
export function referencesIn(value: unknown): Reference[] {
  const found: Reference[] = [];
  const walk = (item: unknown): void => {
    if (Array.isArray(item)) {
      item.forEach(walk);
      return;
    }
    if (item === null || typeof item !== 'object') return;
    const intrinsic = intrinsicOf(item);
    const ref = refTarget(item);
    const getAtt = getAttTarget(item);
    if (ref !== undefined) {
      if (!ref.startsWith('AWS::')) found.push({ via: 'Ref', logicalId: ref });
      return;
    }
    if (getAtt) {
      found.push({ via: 'Fn::GetAtt', logicalId: getAtt[0], attribute: getAtt[1] });
      return;
    }
    if (intrinsic?.[0] === 'Fn::Sub') {
      const [text, variables] = Array.isArray(intrinsic[1]) ? intrinsic[1] : [intrinsic[1], undefined];
      const own = variables !== null && typeof variables === 'object' ? Object.keys(variables) : [];
      if (typeof text === 'string') {
        substitute(text, (expression, source) => {
          if (expression.kind === 'name' && !expression.name.startsWith('AWS::') && !own.includes(expression.name)) {
            found.push({ via: 'Fn::Sub', logicalId: expression.name });
          } else if (expression.kind === 'attribute') {
            found.push({ via: 'Fn::Sub', logicalId: expression.logicalId, attribute: expression.attribute });
          }
          return source;
        });
      }
      walk(variables);
      return;
    }
    Object.values(item).forEach(walk);
  };
  walk(value);
  return found;
}
