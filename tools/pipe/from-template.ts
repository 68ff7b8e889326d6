/**
 * Reads an `AWS::Pipes::Pipe` resource of a synthesized CloudFormation template into the
 * {@link PipeDefinition} the local pipe runner and the replay tool execute. The resource's
 * properties carry the Pipes API's names, so once its intrinsics are resolved it is checked by the
 * same validation as a pipe read with DescribePipe (validate.ts): both readers accept the same pipes.
 *
 * Property names: the CloudFormation reference
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-pipes-pipe.html).
 *
 * Accepted without a local effect (see tools/engine/README.md): `RoleArn` (IAM is not modelled),
 * `Description`, `Tags`, `KmsKeyIdentifier` (encryption at rest is not observable locally), and the
 * log destinations of `LogConfiguration` (records go to the runner's logger instead).
 */
import type { PipeDefinition } from './definition';
import { UnsupportedPipeError, validatePipe } from './validate';
import { intrinsicOf, type ResolveValue, type TemplateResource } from '../cloudformation/template';

export type { ResolveValue, TemplateResource } from '../cloudformation/template';

const PIPE_PROPERTIES = ['Name', 'Description', 'DesiredState', 'RoleArn', 'Source', 'SourceParameters', 'Enrichment', 'EnrichmentParameters',
  'Target', 'TargetParameters', 'LogConfiguration', 'Tags', 'KmsKeyIdentifier'];

/** The integer properties of `DynamoDBStreamParameters`, which CloudFormation also takes as strings of digits. */
const INTEGER_PARAMETERS = ['BatchSize', 'MaximumBatchingWindowInSeconds', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'ParallelizationFactor'];

/**
 * Reads a synthesized `AWS::Pipes::Pipe`.
 * @param logicalId the resource's logical id (the pipe's name when it has no `Name`)
 * @param resolve turns a template value into a string (intrinsics resolved against the local resources)
 * @throws UnsupportedPipeError naming the property and the allowed values for anything the Pipes API
 *   refuses or the local tools cannot honour
 */
export function pipeFromTemplate(logicalId: string, resource: TemplateResource, resolve: ResolveValue): PipeDefinition {
  const label = `Pipe ${logicalId}`;
  if (resource.Type !== 'AWS::Pipes::Pipe') {
    throw new UnsupportedPipeError(`${label}: expected a resource of type AWS::Pipes::Pipe, got ${resource.Type}`);
  }
  const properties = resource.Properties ?? {};
  for (const key of Object.keys(properties)) {
    if (!PIPE_PROPERTIES.includes(key)) {
      throw new UnsupportedPipeError(`${label}: ${key} is not a property of AWS::Pipes::Pipe; its properties: ${PIPE_PROPERTIES.join(', ')}`);
    }
  }
  const fields = resolveAll(properties, resolve) as Record<string, unknown>;
  return validatePipe({ ...withIntegers(fields), Name: fields.Name ?? logicalId }, label);
}

/** Every intrinsic in a value, resolved to its string; other values as they are. */
function resolveAll(value: unknown, resolve: ResolveValue): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveAll(item, resolve));
  if (value === null || typeof value !== 'object') return value;
  if (intrinsicOf(value)) return resolve(value);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveAll(item, resolve)]));
}

/**
 * The integers of `DynamoDBStreamParameters` as numbers where the template holds them as strings of
 * digits (CloudFormation converts a string to a property's Integer type; an intrinsic resolves to a string).
 */
function withIntegers(fields: Record<string, unknown>): Record<string, unknown> {
  const ddb = (fields.SourceParameters as { DynamoDBStreamParameters?: Record<string, unknown> } | undefined)?.DynamoDBStreamParameters;
  if (ddb === null || typeof ddb !== 'object' || Array.isArray(ddb)) return fields;
  const converted = Object.fromEntries(Object.entries(ddb).map(([key, value]) =>
    [key, INTEGER_PARAMETERS.includes(key) && typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value]));
  return { ...fields, SourceParameters: { ...fields.SourceParameters as object, DynamoDBStreamParameters: converted } };
}
