/**
 * The Lambda functions of a synthesized CloudFormation template that can run locally: Node.js
 * functions whose code is a CDK asset bundled into the cloud assembly (`NodejsFunction`,
 * `lambda.Code.fromAsset` of a directory). Anything else is refused with a message that names the
 * function and the reason, never skipped silently — except functions that only CloudFormation ever
 * invokes (custom resource providers, see {@link isDeployTimeOnly}).
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
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
export function localFunctionName(logicalId: string, properties: Record<string, unknown>, resolve: ResolveValue): string {
  if (properties.FunctionName !== undefined) {
    return resolve(properties.FunctionName);
  }
  return `${resolve({ Ref: 'AWS::StackName' })}-${logicalId}`.slice(0, MAX_FUNCTION_NAME_LENGTH);
}

/** The ARN of a local function: `arn:<partition>:lambda:<region>:<account>:function:<name>`. */
export function localFunctionArn(logicalId: string, properties: Record<string, unknown>, resolve: ResolveValue): string {
  const name = localFunctionName(logicalId, properties, resolve);
  return `arn:${resolve({ Ref: 'AWS::Partition' })}:lambda:${resolve({ Ref: 'AWS::Region' })}:${resolve({ Ref: 'AWS::AccountId' })}:function:${name}`;
}

/**
 * Reads the runnable functions of a template.
 *
 * An asset's folder must be inside the cloud assembly, unless it is an absolute path (what
 * `cdk synth --no-staging` writes: the asset's source folder, not staged into the assembly); a
 * handler's module must be inside its asset.
 *
 * @param template the synthesized template (one stack)
 * @param assemblyDir the directory of the (possibly nested) cloud assembly that holds the template;
 *   asset paths are relative to it
 * @param resolve resolves intrinsics; it must know the pseudo parameters AWS::StackName, AWS::Region,
 *   AWS::AccountId and AWS::Partition
 * @param assemblyRoot the root cloud assembly (`cdk.out`), which holds the assets of nested ones too
 * @throws when a function that is invoked at run time cannot run locally
 */
export function functionsFromTemplate(
  template: Template, assemblyDir: string, resolve: ResolveValue, assemblyRoot: string = assemblyDir,
): LocalFunction[] {
  const functions: LocalFunction[] = [];
  const root = realpathSync(assemblyRoot);
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') {
      continue;
    }
    if (isDeployTimeOnly(template, logicalId)) {
      continue;
    }
    functions.push(localFunction(logicalId, resource, { root, directory: assemblyDir }, resolve));
  }
  return functions;
}

function localFunction(
  logicalId: string, resource: TemplateResource, assembly: { root: string; directory: string }, resolve: ResolveValue,
): LocalFunction {
  const properties = resource.Properties ?? {};
  const refuse = (reason: string): never => {
    throw new Error(`Function ${logicalId} cannot run locally: ${reason}`);
  };

  if (properties.PackageType === 'Image') {
    refuse('it is a container image (PackageType: Image); the local Lambda service runs only Node.js code from the cloud assembly.');
  }
  const runtime = properties.Runtime;
  if (typeof runtime !== 'string' || !runtime.startsWith('nodejs')) {
    refuse(`its Runtime is ${JSON.stringify(runtime)}; the local Lambda service runs only Node.js runtimes (nodejs*).`);
  }
  const code = (properties.Code ?? {}) as Record<string, unknown>;
  if (code.ZipFile !== undefined) {
    refuse('its code is inline (Code.ZipFile); the local Lambda service runs only code bundled as a CDK asset (NodejsFunction or lambda.Code.fromAsset).');
  }
  if (properties.Layers !== undefined) {
    refuse('it uses Layers, whose code is not in the cloud assembly.');
  }
  if (properties.FileSystemConfigs !== undefined) {
    refuse('it mounts an EFS file system (FileSystemConfigs).');
  }
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
  const realAssetDir = realpathSync(assetDir);
  const codeFile = HANDLER_FILE_EXTENSIONS
    .map((extension) => pathInside(realAssetDir, realAssetDir, `${modulePath}${extension}`, `Function ${logicalId} cannot run locally: its Handler module`, 'its asset'))
    .find((file) => existsSync(file));
  if (codeFile === undefined) {
    refuse(`its Handler '${handler}' names a file that is not in ${assetDir} (looked for ${HANDLER_FILE_EXTENSIONS.map((extension) => `${modulePath}${extension}`).join(', ')}).`);
  }

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
    codeFile: codeFile as string,
    handlerExport,
    handler: handler as string,
    environment,
    timeoutSeconds: positiveInteger(properties.Timeout, DEFAULT_TIMEOUT_SECONDS, 'Timeout', logicalId),
    memorySize: positiveInteger(properties.MemorySize, DEFAULT_MEMORY_SIZE, 'MemorySize', logicalId),
    runtime: runtime as string,
  };
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
    throw new Error(`Function ${logicalId} cannot run locally: its ${property} is ${JSON.stringify(value)}; expected a positive whole number.`);
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
