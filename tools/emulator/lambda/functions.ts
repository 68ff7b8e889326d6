/**
 * The Lambda functions of a synthesized CloudFormation template that can run locally: Node.js
 * functions whose code is a CDK asset bundled into the cloud assembly (`NodejsFunction`,
 * `lambda.Code.fromAsset` of a directory) or inline in the template (`lambda.Code.fromInline`,
 * `Code.ZipFile`). Anything else is reported with a message that names the function and the reason
 * ({@link readFunctions}), never skipped silently — except functions that only CloudFormation ever
 * invokes (custom resource providers, see {@link isDeployTimeOnly}).
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathInside, readJsonFile } from '../../cloudformation/assembly';
import { referencesIn, type ResolveValue, type Template, type TemplateResource } from '../../cloudformation/template';

/** @deprecated the one template type is `Template` of tools/cloudformation/template.ts. */
export type CfnTemplate = Template;
/** @deprecated the one template type is `TemplateResource` of tools/cloudformation/template.ts. */
export type CfnResource = TemplateResource;
/** @deprecated `ResolveValue` of tools/cloudformation/template.ts. */
export type Resolve = ResolveValue;

/** A function the local Lambda service can run. */
export interface LocalFunction {
  /** The resource's logical id in its template. */
  readonly logicalId: string;
  /** The function name: `FunctionName`, or `<stackName>-<logicalId>` (64 characters at most). */
  readonly name: string;
  /** `arn:<partition>:lambda:<region>:<account>:function:<name>`. */
  readonly arn: string;
  /** The region the function runs in (AWS_REGION of its execution environment). */
  readonly region: string;
  /** The absolute path of the JavaScript file that holds the handler. */
  readonly codeFile: string;
  /** The handler's export name within {@link codeFile} (`handler` for `index.handler`). */
  readonly handlerExport: string;
  /** The `Handler` property as written in the template (`_HANDLER` of the execution environment). */
  readonly handler: string;
  /** `Environment.Variables`, each value resolved. */
  readonly environment: Readonly<Record<string, string>>;
  /** `Timeout` (CloudFormation's default: 3). */
  readonly timeoutSeconds: number;
  /** `MemorySize` (CloudFormation's default: 128). */
  readonly memorySize: number;
  /** `Runtime`, such as `nodejs22.x`. */
  readonly runtime: string;
}

/** A function of the template that cannot run locally, and why. */
export interface UnavailableFunction {
  readonly logicalId: string;
  /** The function's local name (see {@link localFunctionName}). */
  readonly name: string;
  /** Why it cannot run locally, such as `its Runtime is "python3.12"; ...`. */
  readonly reason: string;
}

/** The functions of a template: those that can run locally and those that cannot. */
export interface TemplateFunctions {
  readonly functions: LocalFunction[];
  readonly unavailable: UnavailableFunction[];
}

/** Options for {@link readFunctions}. */
export interface ReadFunctionsOptions {
  /**
   * A directory to write inline code (`Code.ZipFile`) to, as `<logicalId>/index.js`, which is where
   * CloudFormation puts it for a Node.js function.
   * @default - inline code cannot run
   */
  readonly inlineCodeDir?: string;
  /**
   * The root cloud assembly (`cdk.out`), which holds the assets of nested ones too: asset and handler
   * paths must stay inside it.
   * @default - the template's own assembly directory
   */
  readonly assemblyRoot?: string;
}

/** Thrown by {@link localFunction} when a function cannot run locally. */
class FunctionUnavailable extends Error {
  constructor(readonly logicalId: string, readonly reason: string) {
    super(`Function ${logicalId} cannot run locally: ${reason}`);
  }
}

/**
 * CloudFormation's defaults for `Timeout` and `MemorySize`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
 */
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_MEMORY_SIZE = 128;
const MAX_FUNCTION_NAME_LENGTH = 64;

/** The file extensions the Node.js runtime looks for, in its order (CommonJS `.js`, ES module `.mjs`, `.cjs`). */
const HANDLER_FILE_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/**
 * The name a function gets locally: its `FunctionName`, or else `<stackName>-<logicalId>` cut to 64
 * characters. (CloudFormation itself generates `<stackName>-<logicalId>-<random suffix>`; the local
 * name is the same without the random part, so that it is stable from one run to the next.)
 */
export function localFunctionName(logicalId: string, properties: Record<string, unknown>, resolve: Resolve): string {
  if (properties.FunctionName !== undefined) {
    return resolve(properties.FunctionName);
  }
  return `${resolve({ Ref: 'AWS::StackName' })}-${logicalId}`.slice(0, MAX_FUNCTION_NAME_LENGTH);
}

/** The ARN of a local function: `arn:<partition>:lambda:<region>:<account>:function:<name>`. */
export function localFunctionArn(logicalId: string, properties: Record<string, unknown>, resolve: Resolve): string {
  const name = localFunctionName(logicalId, properties, resolve);
  return `arn:${resolve({ Ref: 'AWS::Partition' })}:lambda:${resolve({ Ref: 'AWS::Region' })}:${resolve({ Ref: 'AWS::AccountId' })}:function:${name}`;
}

/**
 * Reads the runnable functions of a template.
 *
 * @param template the synthesized template (one stack)
 * @param assemblyDir the cloud assembly directory (`cdk.out`) that holds the template and its assets
 * @param resolve resolves intrinsics; it must know the pseudo parameters AWS::StackName, AWS::Region,
 *   AWS::AccountId and AWS::Partition
 * @throws when a function that is invoked at run time cannot run locally
 */
export function functionsFromTemplate(
  template: CfnTemplate, assemblyDir: string, resolve: Resolve, options: ReadFunctionsOptions = {},
): LocalFunction[] {
  const { functions, unavailable } = readFunctions(template, assemblyDir, resolve, options);
  if (unavailable.length > 0) {
    throw new Error(`Function ${unavailable[0].logicalId} cannot run locally: ${unavailable[0].reason}`);
  }
  return functions;
}

/**
 * Reads every function of a template that runs when the app runs, and sorts them into those that
 * can run locally and those that cannot (with the reason), so that a caller refuses only what it
 * needs. Inline code is written to `options.inlineCodeDir`.
 */
export function readFunctions(template: CfnTemplate, assemblyDir: string, resolve: Resolve, options: ReadFunctionsOptions = {}): TemplateFunctions {
  const functions: LocalFunction[] = [];
  const unavailable: UnavailableFunction[] = [];
  const root = realpathSync(options.assemblyRoot ?? assemblyDir);
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') {
      continue;
    }
    if (isDeployTimeOnly(template, logicalId)) {
      continue;
    }
    try {
      functions.push(localFunction(logicalId, resource, { root, directory: assemblyDir }, resolve, options));
    } catch (error) {
      if (!(error instanceof FunctionUnavailable)) throw error;
      unavailable.push({ logicalId, name: localFunctionName(logicalId, resource.Properties ?? {}, resolve), reason: error.reason });
    }
  }
  return { functions, unavailable };
}

function localFunction(
  logicalId: string, resource: CfnResource, assembly: { root: string; directory: string }, resolve: Resolve, options: ReadFunctionsOptions,
): LocalFunction {
  const properties = resource.Properties ?? {};
  const refuse = (reason: string): never => {
    throw new FunctionUnavailable(logicalId, reason);
  };

  if (properties.PackageType === 'Image') {
    refuse('it is a container image (PackageType: Image); the local Lambda service runs only Node.js code from the cloud assembly.');
  }
  const runtime = properties.Runtime;
  if (typeof runtime !== 'string' || !runtime.startsWith('nodejs')) {
    refuse(`its Runtime is ${JSON.stringify(runtime)}; the local Lambda service runs only Node.js runtimes (nodejs*).`);
  }
  const code = (properties.Code ?? {}) as Record<string, unknown>;
  if (properties.Layers !== undefined) {
    refuse('it uses Layers, whose code is not in the cloud assembly.');
  }
  if (properties.FileSystemConfigs !== undefined) {
    refuse('it mounts an EFS file system (FileSystemConfigs).');
  }
  const handler = properties.Handler;
  if (typeof handler !== 'string') {
    refuse(`its Handler is ${JSON.stringify(handler)}; expected 'file.export', such as 'index.handler'.`);
  }
  // The Node.js runtime reads `path/to/file.export`: the module is everything up to the first dot after
  // the last slash.
  const lastSlash = (handler as string).lastIndexOf('/');
  const dot = (handler as string).indexOf('.', lastSlash + 1);
  if (dot <= lastSlash + 1 || dot === (handler as string).length - 1) {
    refuse(`its Handler '${handler}' is not of the form 'file.export', such as 'index.handler'.`);
  }
  const modulePath = (handler as string).slice(0, dot);
  const handlerExport = (handler as string).slice(dot + 1);
  const codeFile = code.ZipFile !== undefined
    ? inlineCodeFile(logicalId, resolve(code.ZipFile), modulePath, options, refuse)
    : assetCodeFile(logicalId, resource, code, assembly, handler as string, modulePath, refuse);

  const variables = ((properties.Environment ?? {}) as { Variables?: Record<string, unknown> }).Variables ?? {};
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    environment[name] = resolve(value);
  }

  return {
    logicalId,
    name: localFunctionName(logicalId, properties, resolve),
    arn: localFunctionArn(logicalId, properties, resolve),
    region: resolve({ Ref: 'AWS::Region' }),
    codeFile,
    handlerExport,
    handler: handler as string,
    environment,
    timeoutSeconds: positiveInteger(properties.Timeout, DEFAULT_TIMEOUT_SECONDS, 'Timeout', logicalId),
    memorySize: positiveInteger(properties.MemorySize, DEFAULT_MEMORY_SIZE, 'MemorySize', logicalId),
    runtime: runtime as string,
  };
}

/**
 * Writes inline code where CloudFormation puts it for a Node.js function: a file named `index` with
 * the extension `.js`, so a CommonJS module, and the Handler's module must be `index`:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html
 */
function inlineCodeFile(
  logicalId: string, source: string, modulePath: string, options: ReadFunctionsOptions, refuse: (reason: string) => never,
): string {
  if (modulePath !== 'index') {
    refuse(`its code is inline (Code.ZipFile), which CloudFormation writes to index.js, but its Handler names the module '${modulePath}'.`);
  }
  if (options.inlineCodeDir === undefined) {
    refuse('its code is inline (Code.ZipFile) and no directory was given to write it to.');
  }
  const directory = path.join(options.inlineCodeDir as string, logicalId);
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, 'index.js');
  writeFileSync(file, source);
  return file;
}

/** The handler's file in the function's CDK asset (a folder of the cloud assembly, or the absolute folder `cdk synth --no-staging` records). */
function assetCodeFile(
  logicalId: string, resource: CfnResource, code: Record<string, unknown>, assembly: { root: string; directory: string },
  handler: string, modulePath: string, refuse: (reason: string) => never,
): string {
  // The CDK CLI records the asset's folder on the resource; an app synthesized in-process (`app.synth()`
  // in a test) records it only in the stack's asset manifest, by the S3 key the template uses.
  const metadataPath = resource.Metadata?.['aws:asset:property'] === 'Code' ? resource.Metadata?.['aws:asset:path'] : undefined;
  const assetPath = typeof metadataPath === 'string' ? metadataPath : assetPathFromManifests(assembly, code.S3Key);
  if (assetPath === undefined) {
    refuse("its code is not a CDK asset of this cloud assembly (no 'aws:asset:path' metadata for Code, and its S3Key is in no *.assets.json).");
  }
  // `cdk synth --no-staging` records the asset's own (absolute) folder; a staged asset is in the assembly.
  const assetDir = path.isAbsolute(assetPath as string)
    ? assetPath as string
    : pathInside(assembly.root, assembly.directory, assetPath as string, `Function ${logicalId} cannot run locally: its asset path`);
  if (!existsSync(assetDir)) {
    refuse(`its asset ${assetDir} does not exist; synthesize the app into ${assembly.directory} again.`);
  }
  if (!statSync(assetDir).isDirectory()) {
    refuse(`its asset ${assetDir} is a file, not a directory; the local Lambda service runs unpacked assets (NodejsFunction or lambda.Code.fromAsset of a directory).`);
  }
  const realAssetDir = realpathSync(assetDir);
  const codeFile = HANDLER_FILE_EXTENSIONS
    .map((extension) => pathInside(realAssetDir, realAssetDir, `${modulePath}${extension}`, `Function ${logicalId} cannot run locally: its Handler module`, 'its asset'))
    .find((file) => existsSync(file));
  if (codeFile === undefined) {
    refuse(`its Handler '${handler}' names a file that is not in ${assetDir} (looked for ${HANDLER_FILE_EXTENSIONS.map((extension) => `${modulePath}${extension}`).join(', ')}).`);
  }
  return codeFile as string;
}

/**
 * The source folder of the file asset whose S3 object key is `s3Key`, from the asset manifests
 * (`*.assets.json`) of the assembly's directory, read as files of the assembly (inside it, never quoted).
 */
function assetPathFromManifests(assembly: { root: string; directory: string }, s3Key: unknown): string | undefined {
  if (typeof s3Key !== 'string') {
    return undefined;
  }
  for (const file of readdirSync(assembly.directory).filter((name) => name.endsWith('.assets.json'))) {
    const manifestFile = pathInside(assembly.root, assembly.directory, file, 'Asset manifest');
    const manifest = readJsonFile(manifestFile, `Asset manifest ${manifestFile}`) as {
      files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }>;
    };
    for (const asset of Object.values(manifest?.files ?? {})) {
      if (Object.values(asset.destinations ?? {}).some((destination) => destination.objectKey === s3Key) && asset.source?.path) {
        return asset.source.path;
      }
    }
  }
  return undefined;
}

function positiveInteger(value: unknown, fallback: number, property: string, logicalId: string): number {
  if (value === undefined) {
    return fallback;
  }
  const number = typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number <= 0) {
    throw new FunctionUnavailable(logicalId, `its ${property} is ${JSON.stringify(value)}; expected a positive whole number.`);
  }
  return number;
}

/**
 * True when CloudFormation is the only caller of the function: every reference to it anywhere in
 * the template (resources and outputs) is the `ServiceToken` of a custom resource (`Custom::*` or
 * `AWS::CloudFormation::CustomResource`). CDK's custom resource providers (log retention, bucket
 * deployment, auto-delete objects, AwsCustomResource) are referenced this way; such a function never
 * runs when the app runs, so the local service leaves it out. A function referenced anywhere else
 * (an event source, an integration, a pipe, an output, another function's environment) is not
 * deploy-time only.
 */
export function isDeployTimeOnly(template: Template, logicalId: string): boolean {
  const count = (value: unknown) => referencesIn(value).filter((reference) => reference.logicalId === logicalId).length;
  let serviceTokens = 0;
  let others = 0;
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (id === logicalId) {
      continue;
    }
    const isCustomResource = resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource';
    for (const [property, value] of Object.entries(resource.Properties ?? {})) {
      if (isCustomResource && property === 'ServiceToken') {
        serviceTokens += count(value);
      } else {
        others += count(value);
      }
    }
  }
  others += count(template.Outputs ?? {});
  return serviceTokens > 0 && others === 0;
}
