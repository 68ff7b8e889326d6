/**
 * Loads a synthesized CDK cloud assembly (a `cdk.out` directory) with the CDK's own reader, the
 * `CloudAssembly` of `aws-cdk-lib/cx-api` (which validates `manifest.json` against the
 * cloud-assembly schema), and reads its stack templates. aws-cdk-lib is a peer dependency of this
 * library, so the consumer's own copy does the reading (the local tools' bundle leaves it out).
 *
 * A cloud assembly may come from anywhere, so loading it trusts nothing in it: every file it names
 * (templates, nested assemblies) must stay inside the assembly directory, symbolic links included;
 * nested assemblies must not nest themselves; and an error never shows what a file holds (a
 * `templateFile` pointing at a file that is not JSON says so, without its first bytes).
 *
 * Evaluating the templates is resolver.ts; the template shape and the syntax of intrinsics are
 * template.ts.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { CloudAssembly as CdkCloudAssembly, CloudFormationStackArtifact, NestedCloudAssemblyArtifact } from 'aws-cdk-lib/cx-api';
import { circularReference } from './resolver';
import type { Template } from './template';

// Kept here so that modules loading an assembly and resolving it import one module.
export { circularReference, LocalAssembly, NotYetCreatedError, type PhysicalResource } from './resolver';
export type { Template, TemplateResource } from './template';

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
  /** The directory of the (possibly nested) assembly holding the template. */
  readonly directory: string;
  /** The ids of the stacks (and other artifacts) this one depends on. */
  readonly dependencies: readonly string[];
}

/** A loaded cloud assembly: its stacks, every stack after those it depends on. */
export interface CloudAssembly {
  /** The assembly's directory (symbolic links resolved); every file the assembly names is inside it. */
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

/**
 * Loads `manifest.json` and every stack template of a cloud assembly, nested assemblies (CDK stages)
 * included.
 * @throws Error naming the file and what is wrong when the directory is not a cloud assembly the CDK
 *   can read, or names a file outside itself, or nests itself
 */
export function loadCloudAssembly(directory: string, options: LoadCloudAssemblyOptions = {}): CloudAssembly {
  const defaultRegion = options.defaultRegion ?? process.env.AWS_REGION ?? 'us-east-1';
  const defaultAccount = options.defaultAccount ?? LOCAL_ACCOUNT_ID;
  if (!existsSync(path.join(directory, 'manifest.json'))) {
    throw new Error(`${directory} is not a cloud assembly: it has no manifest.json (synthesize the app with 'cdk synth -o ${directory}')`);
  }
  const root = realpathSync(path.resolve(directory));
  const stacks: AssemblyStack[] = [];
  collectStacks(root, root, [], { defaultRegion, defaultAccount }, stacks);
  if (stacks.length === 0) {
    throw new Error(`The cloud assembly in ${directory} has no stacks (no artifact of type aws:cloudformation:stack in manifest.json)`);
  }
  return { directory: root, stacks: orderByDependencies(stacks, root) };
}

function collectStacks(
  root: string, directory: string, nesting: readonly string[], defaults: { defaultRegion: string; defaultAccount: string }, stacks: AssemblyStack[],
): void {
  const manifestFile = path.join(directory, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new Error(`${directory} is not a cloud assembly: it has no manifest.json`);
  }
  // Parsed here first, so that a manifest that is not JSON is reported without its content (cx-api quotes it).
  pathInside(root, directory, 'manifest.json', manifestFile);
  const manifest = readJsonFile(manifestFile, manifestFile) as { version?: unknown } | null;
  if (typeof manifest?.version !== 'string') {
    throw new Error(`${manifestFile} is not a cloud assembly manifest: it has no "version" (the CDK writes one into every manifest.json it synthesizes)`);
  }
  let assembly: CdkCloudAssembly;
  try {
    // Schema versions: the assembly may come from a newer CDK than the one reading it; the fields
    // read here (artifact types, templateFile, directoryName, environment, dependencies) are stable.
    assembly = new CdkCloudAssembly(directory, { skipVersionCheck: true, skipEnumCheck: true, topoSort: false });
  } catch (error) {
    throw new Error(`${manifestFile} is not a cloud assembly manifest the CDK can read: ${(error as Error).message}`);
  }
  for (const artifact of assembly.artifacts) {
    if (NestedCloudAssemblyArtifact.isNestedCloudAssemblyArtifact(artifact)) {
      const where = `Nested assembly ${artifact.id} in ${manifestFile}`;
      const nested = pathInside(root, directory, artifact.directoryName, `${where}: directoryName`);
      const here = [...nesting, directory];
      if (here.includes(nested)) {
        const chain = [...here.slice(here.indexOf(nested)), nested].map((dir) => path.relative(root, dir) || '.');
        throw circularReference(chain, `the nested assemblies of ${root}`);
      }
      collectStacks(root, nested, here, defaults, stacks);
    } else if (CloudFormationStackArtifact.isCloudFormationStackArtifact(artifact)) {
      const where = `Stack ${artifact.id} in ${manifestFile}`;
      const templateFile = pathInside(root, directory, artifact.templateFile, `${where}: templateFile`);
      const template = readJsonFile(templateFile, `${where}: its template ${path.relative(root, templateFile)}`);
      checkTemplate(template, `${where}: its template ${path.relative(root, templateFile)}`);
      const { account, region } = artifact.environment;
      stacks.push({
        id: artifact.id,
        stackName: artifact.stackName,
        region: region && region !== 'unknown-region' ? region : defaults.defaultRegion,
        account: account && account !== 'unknown-account' ? account : defaults.defaultAccount,
        template: template as Template,
        directory,
        dependencies: artifact.manifest.dependencies ?? [],
      });
    }
  }
}

/**
 * The path of `relative` (a path written in the assembly) against `base`, which must stay inside
 * `root` both as written and with symbolic links resolved.
 * @param what names the path in the error, such as `Stack S in manifest.json: templateFile`
 * @param container names `root` in the error
 * @returns the path, symbolic links resolved when it exists
 */
export function pathInside(root: string, base: string, relative: string, what: string, container = 'the cloud assembly'): string {
  const resolved = path.resolve(base, relative);
  const outside = (candidate: string) => {
    const fromRoot = path.relative(root, candidate);
    return fromRoot === '..' || fromRoot.startsWith(`..${path.sep}`) || path.isAbsolute(fromRoot);
  };
  if (outside(resolved)) {
    throw new Error(`${what} ${JSON.stringify(relative)} is outside ${container} ${root}`);
  }
  if (!existsSync(resolved)) {
    return resolved;
  }
  const real = realpathSync(resolved);
  if (outside(real)) {
    throw new Error(`${what} ${JSON.stringify(relative)} is a link to ${real}, outside ${container} ${root}`);
  }
  return real;
}

/**
 * Reads a JSON file of the assembly. When it is not JSON, the error says where parsing stopped but
 * never what the file holds.
 * @param what names the file in errors
 */
export function readJsonFile(file: string, what: string): unknown {
  if (!existsSync(file)) {
    throw new Error(`${what} does not exist`);
  }
  if (!statSync(file).isFile()) {
    throw new Error(`${what} is not a file`);
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    // Node's messages quote the text around the error; only its position is kept.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new Error(`${what} is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`);
  }
}

/** What the resolver relies on: objects where a template has objects, and a Type on every resource. */
function checkTemplate(template: unknown, what: string): void {
  const isObject = (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value);
  if (!isObject(template)) {
    throw new Error(`${what} is not a CloudFormation template: a template is a JSON object`);
  }
  for (const section of ['Resources', 'Outputs', 'Parameters', 'Conditions', 'Mappings']) {
    const value = (template as Record<string, unknown>)[section];
    if (value !== undefined && !isObject(value)) {
      throw new Error(`${what}: ${section} is not an object`);
    }
  }
  for (const [logicalId, resource] of Object.entries((template as Template).Resources ?? {})) {
    if (!isObject(resource) || typeof resource.Type !== 'string') {
      throw new Error(`${what}: resource ${logicalId} has no Type`);
    }
    if (resource.Properties !== undefined && !isObject(resource.Properties)) {
      throw new Error(`${what}: the Properties of resource ${logicalId} are not an object`);
    }
  }
}

function orderByDependencies(stacks: AssemblyStack[], root: string): AssemblyStack[] {
  const byId = new Map(stacks.map((stack) => [stack.id, stack]));
  const ordered: AssemblyStack[] = [];
  const visiting: string[] = [];
  const visit = (stack: AssemblyStack) => {
    if (ordered.includes(stack)) return;
    if (visiting.includes(stack.id)) {
      throw circularReference([...visiting.slice(visiting.indexOf(stack.id)), stack.id], `the stack dependencies of ${root}`);
    }
    visiting.push(stack.id);
    for (const dependency of stack.dependencies) {
      const other = byId.get(dependency);
      if (other) visit(other);
    }
    visiting.pop();
    ordered.push(stack);
  };
  stacks.forEach(visit);
  return ordered;
}
