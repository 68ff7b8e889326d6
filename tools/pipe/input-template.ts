/**
 * EventBridge Pipes input transformation (`EnrichmentParameters.InputTemplate`,
 * `TargetParameters.InputTemplate`), as the user guide describes it:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-input-transformation.html
 *
 * - A template is free text, a single `<$.path>`, or JSON with inline `<$.path>` placeholders and the
 *   reserved variables `<aws.pipes.pipe-arn>`, `<aws.pipes.pipe-name>`, `<aws.pipes.source-arn>`,
 *   `<aws.pipes.enrichment-arn>`, `<aws.pipes.target-arn>`, `<aws.pipes.event.ingestion-time>` (ISO 8601),
 *   `<aws.pipes.event>` and `<aws.pipes.event.json>`.
 * - JSON paths: dot notation, dashes, underscores, alphanumerics, forward slashes, array indices
 *   (`[3]`) and wildcards (`*`), nothing else (the page's note on supported syntax). Anything else is
 *   refused when the template is parsed, so that a pipe the runner cannot transform never starts.
 * - "put quotes around variables that refer to JSON path parameters, but do not put quotes around
 *   variables that refer to JSON objects or arrays": inside a JSON string a value is inserted as text
 *   (a string without its quotes, anything else as its JSON, escaped for the string); outside a
 *   string a value is inserted as JSON (a string gets its quotes), so the page's example
 *   `"instance": <$.detail.instance-id>` yields `"instance": "i-0123456789"`.
 * - The batching page: "Input transformers are applied separately on each individual JSON record in
 *   the array, not the array as a whole"
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html):
 *   callers apply a template to one record at a time.
 *
 * Not documented, and chosen here: a path that selects nothing becomes `null` outside a string and
 * the empty string inside one; a template whose first non-blank character is `{` or `[` must produce
 * valid JSON, and it is checked when the template is parsed.
 */
import { PipeDefinition, pipeArnOf } from './definition';

/** The values of the reserved `aws.pipes.*` variables for one transformation. */
export interface PipeVariables {
  readonly pipeArn: string;
  readonly pipeName: string;
  readonly sourceArn: string;
  readonly enrichmentArn?: string;
  readonly targetArn: string;
  /** When the event reached the transformer. */
  readonly ingestionTime: Date;
}

type Segment = { readonly kind: 'key'; readonly name: string } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'wildcard' };

type Placeholder =
  | { readonly kind: 'path'; readonly source: string; readonly segments: readonly Segment[] }
  | { readonly kind: 'variable'; readonly name: ReservedVariable };

type Part = { readonly text: string } | { readonly placeholder: Placeholder; readonly quoted: boolean };

const RESERVED_VARIABLES = [
  'aws.pipes.pipe-arn',
  'aws.pipes.pipe-name',
  'aws.pipes.source-arn',
  'aws.pipes.enrichment-arn',
  'aws.pipes.target-arn',
  'aws.pipes.event.ingestion-time',
  'aws.pipes.event',
  'aws.pipes.event.json',
] as const;
type ReservedVariable = typeof RESERVED_VARIABLES[number];

const KEY = /^[A-Za-z0-9_\-/]+$/;

/** A parsed input template; {@link InputTemplate.apply} transforms one event. */
export class InputTemplate {
  /**
   * Parses a template.
   * @param what names the template in error messages, e.g. `TargetParameters.InputTemplate`
   * @throws Error naming `what` if the template uses syntax Pipes does not support
   */
  public static parse(template: string, what: string): InputTemplate {
    const parts: Part[] = [];
    const json = /^\s*[[{]/.test(template);
    let inString = false;
    let escaped = false;
    let textStart = 0;
    for (let i = 0; i < template.length; i++) {
      const c = template[i];
      if (inString && escaped) {
        escaped = false;
        continue;
      }
      if (inString && c === '\\') {
        escaped = true;
        continue;
      }
      if (c === '"' && json) {
        inString = !inString;
        continue;
      }
      if (c !== '<') {
        continue;
      }
      const end = template.indexOf('>', i);
      const inner = end < 0 ? '' : template.slice(i + 1, end);
      const isPlaceholder = inner.startsWith('$') || inner.startsWith('aws.');
      if (!isPlaceholder) {
        continue; // a literal '<' (free text such as "a < b")
      }
      parts.push({ text: template.slice(textStart, i) });
      parts.push({ placeholder: parsePlaceholder(inner, what), quoted: json && inString });
      i = end;
      textStart = end + 1;
    }
    parts.push({ text: template.slice(textStart) });
    const parsed = new InputTemplate(template, parts.filter(p => !('text' in p) || p.text !== ''), json);
    if (json) {
      // Check the JSON structure with every placeholder standing for a plain value.
      const probe = parsed.render(() => ({ found: true, value: 'x' }));
      try {
        JSON.parse(probe);
      } catch (error) {
        throw new Error(`${what} starts like JSON but is not valid JSON once its placeholders are filled in (${(error as Error).message}): ${template}`);
      }
    }
    return parsed;
  }

  private constructor(
    /** The template as written. */
    public readonly source: string,
    private readonly parts: readonly Part[],
    private readonly json: boolean,
  ) {}

  /**
   * Transforms one event.
   * @returns the transformed event: parsed JSON for a JSON template or a single placeholder, else a string
   */
  public apply(event: unknown, variables: PipeVariables): unknown {
    const lookup = (placeholder: Placeholder): { found: boolean; value?: unknown } => {
      if (placeholder.kind === 'path') {
        return select(event, placeholder.segments);
      }
      switch (placeholder.name) {
        case 'aws.pipes.pipe-arn': return { found: true, value: variables.pipeArn };
        case 'aws.pipes.pipe-name': return { found: true, value: variables.pipeName };
        case 'aws.pipes.source-arn': return { found: true, value: variables.sourceArn };
        case 'aws.pipes.enrichment-arn': return variables.enrichmentArn === undefined ? { found: false } : { found: true, value: variables.enrichmentArn };
        case 'aws.pipes.target-arn': return { found: true, value: variables.targetArn };
        case 'aws.pipes.event.ingestion-time': return { found: true, value: variables.ingestionTime.toISOString() };
        case 'aws.pipes.event': return { found: true, value: event };
        case 'aws.pipes.event.json': return isJsonValue(event) ? { found: true, value: event } : { found: false };
      }
    };
    const only = this.parts.length === 1 && 'placeholder' in this.parts[0] ? this.parts[0] : undefined;
    if (only && !this.json) {
      const result = lookup(only.placeholder);
      return result.found ? result.value : null;
    }
    const text = this.render(lookup);
    return this.json ? JSON.parse(text) : text;
  }

  private render(lookup: (placeholder: Placeholder) => { found: boolean; value?: unknown }): string {
    let out = '';
    for (const part of this.parts) {
      if ('text' in part) {
        out += part.text;
        continue;
      }
      const { found, value } = lookup(part.placeholder);
      if (!this.json) {
        out += !found ? '' : typeof value === 'string' ? value : JSON.stringify(value);
      } else if (part.quoted) {
        const text = !found ? '' : typeof value === 'string' ? value : JSON.stringify(value);
        out += JSON.stringify(text).slice(1, -1);
      } else {
        out += found && value !== undefined ? JSON.stringify(value) : 'null';
      }
    }
    return out;
  }
}

function parsePlaceholder(inner: string, what: string): Placeholder {
  if (inner.startsWith('aws.')) {
    if (!(RESERVED_VARIABLES as readonly string[]).includes(inner)) {
      throw new Error(`${what} uses <${inner}>, which is not a reserved variable of EventBridge Pipes; allowed: ${RESERVED_VARIABLES.map(v => `<${v}>`).join(', ')}`);
    }
    return { kind: 'variable', name: inner as ReservedVariable };
  }
  const segments: Segment[] = [];
  const unsupported = () => new Error(
    `${what} uses the JSON path <${inner}>, which EventBridge Pipes does not support; use dot notation with letters, digits, '-', '_', '/', array indices such as [0] and the wildcard *`,
  );
  let rest = inner.slice(1);
  while (rest.length > 0) {
    let match: RegExpExecArray | null;
    if ((match = /^\.([^.[\]]+)/.exec(rest))) {
      const name = match[1];
      if (name === '*') {
        segments.push({ kind: 'wildcard' });
      } else if (KEY.test(name)) {
        segments.push({ kind: 'key', name });
      } else {
        throw unsupported();
      }
    } else if ((match = /^\[(\d+)\]/.exec(rest))) {
      segments.push({ kind: 'index', index: Number(match[1]) });
    } else if ((match = /^\[\*\]/.exec(rest))) {
      segments.push({ kind: 'wildcard' });
    } else {
      throw unsupported();
    }
    rest = rest.slice(match[0].length);
  }
  return { kind: 'path', source: inner, segments };
}

/** Evaluates a parsed JSON path; a wildcard collects the matches of the rest of the path into an array. */
export function select(value: unknown, segments: readonly Segment[]): { found: boolean; value?: unknown } {
  if (segments.length === 0) {
    return { found: value !== undefined, value };
  }
  const [head, ...tail] = segments;
  if (head.kind === 'key') {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !(head.name in value)) {
      return { found: false };
    }
    return select((value as Record<string, unknown>)[head.name], tail);
  }
  if (head.kind === 'index') {
    if (!Array.isArray(value) || head.index >= value.length) {
      return { found: false };
    }
    return select(value[head.index], tail);
  }
  const children = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : [];
  const results: unknown[] = [];
  for (const child of children) {
    const result = select(child, tail);
    if (result.found) {
      results.push(result.value);
    }
  }
  return { found: true, value: results };
}

/** Parses a JSON path as used by `SqsQueueParameters.MessageGroupId` ("dynamic path parameters"). */
export function parseJsonPath(path: string, what: string): readonly Segment[] {
  const placeholder = parsePlaceholder(path, what);
  if (placeholder.kind !== 'path') {
    throw new Error(`${what}: ${path} is not a JSON path`);
  }
  return placeholder.segments;
}

function isJsonValue(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function';
}

/** The reserved variables (`<aws.pipes.pipe-arn>`, ...) of an execution of `pipe`, at this moment. */
export function pipeVariables(pipe: PipeDefinition): PipeVariables {
  return {
    pipeArn: pipeArnOf(pipe),
    pipeName: pipe.name,
    sourceArn: pipe.source.streamArn,
    enrichmentArn: pipe.enrichment?.arn,
    targetArn: pipe.target.queueArn,
    ingestionTime: new Date(),
  };
}

const templates = new Map<string, InputTemplate>();
/** `InputTemplate.parse(source, what)`, parsed once per process. */
export function cachedTemplate(source: string, what: string): InputTemplate {
  const key = `${what}\u0000${source}`;
  let parsed = templates.get(key);
  if (!parsed) {
    parsed = InputTemplate.parse(source, what);
    templates.set(key, parsed);
  }
  return parsed;
}
