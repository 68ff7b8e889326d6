/**
 * Reads an `AWS::Pipes::Pipe` resource of a synthesized CloudFormation template into the
 * {@link PipeDefinition} the local pipe runner and the replay tool execute. Every property either
 * maps to something they honour or is refused with an error naming it: nothing is silently ignored.
 *
 * Property names and ranges: the CloudFormation reference
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-pipes-pipe.html) and
 * `PipeSourceDynamoDBStreamParameters`
 * (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html).
 *
 * Accepted without a local effect (see tools/engine/README.md): `RoleArn` (IAM is not modelled),
 * `Description`, `Tags`, `KmsKeyIdentifier` (encryption at rest is not observable locally), and the
 * log destinations of `LogConfiguration` (records go to the runner's logger instead).
 */
import { DYNAMODB_STREAM_ARN, LAMBDA_FUNCTION_ARN, PipeDefinition, PipeLoggingDefinition, SQS_QUEUE_ARN, sourceProblem } from './definition';
import { InputTemplate, parseJsonPath } from './input-template';
import { EventPattern } from '../../src/testing/event-pattern';

/** A template resource. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Turns a template value (a string or an intrinsic such as `Fn::GetAtt`) into a string. */
export type ResolveValue = (value: unknown) => string;

const PIPE_PROPERTIES = ['Name', 'Description', 'DesiredState', 'RoleArn', 'Source', 'SourceParameters', 'Enrichment', 'EnrichmentParameters',
  'Target', 'TargetParameters', 'LogConfiguration', 'Tags', 'KmsKeyIdentifier'];
const SOURCE_PARAMETERS = ['DynamoDBStreamParameters', 'FilterCriteria'];
const DYNAMODB_PARAMETERS = ['StartingPosition', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds',
  'OnPartialBatchItemFailure', 'ParallelizationFactor', 'DeadLetterConfig'];
const ENRICHMENT_PARAMETERS = ['InputTemplate'];
const TARGET_PARAMETERS = ['InputTemplate', 'SqsQueueParameters'];
const SQS_PARAMETERS = ['MessageGroupId', 'MessageDeduplicationId'];
const LOG_PROPERTIES = ['Level', 'IncludeExecutionData', 'CloudwatchLogsLogDestination', 'FirehoseLogDestination', 'S3LogDestination'];


type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a synthesized `AWS::Pipes::Pipe`.
 * @param logicalId the resource's logical id (the pipe's name when it has no `Name`)
 * @param resolve turns a template value into a string (intrinsics resolved against the local resources)
 * @throws Error naming the property and the allowed values for anything the local tools cannot honour
 */
export function pipeFromTemplate(logicalId: string, resource: TemplateResource, resolve: ResolveValue): PipeDefinition {
  const where = `Pipe ${logicalId}`;
  if (resource.Type !== 'AWS::Pipes::Pipe') {
    throw new Error(`${where}: expected a resource of type AWS::Pipes::Pipe, got ${resource.Type}`);
  }
  const props = resource.Properties ?? {};
  onlyKnown(props, PIPE_PROPERTIES, where, 'properties');

  const desiredState = props.DesiredState === undefined ? 'RUNNING' : resolve(props.DesiredState);
  if (desiredState !== 'RUNNING' && desiredState !== 'STOPPED') {
    throw new Error(`${where}: DesiredState ${desiredState} is not supported; allowed: RUNNING, STOPPED`);
  }

  if (props.Source === undefined) {
    throw new Error(`${where}: Source is missing`);
  }
  const streamArn = resolve(props.Source);
  if (!DYNAMODB_STREAM_ARN.test(streamArn)) {
    throw new Error(`${where}: Source ${streamArn} is not a DynamoDB stream ARN; the local pipe runner only reads DynamoDB streams`);
  }

  const sourceParameters = objectOrEmpty(props.SourceParameters, `${where}: SourceParameters`);
  onlyKnown(sourceParameters, SOURCE_PARAMETERS, `${where}: SourceParameters`, 'keys');
  const ddb = objectOrEmpty(sourceParameters.DynamoDBStreamParameters, `${where}: SourceParameters.DynamoDBStreamParameters`);
  const ddbWhere = `${where}: SourceParameters.DynamoDBStreamParameters`;
  onlyKnown(ddb, DYNAMODB_PARAMETERS, ddbWhere, 'keys');

  const startingPosition = ddb.StartingPosition === undefined ? undefined : resolve(ddb.StartingPosition);
  if (startingPosition !== 'LATEST' && startingPosition !== 'TRIM_HORIZON') {
    throw new Error(`${ddbWhere}.StartingPosition ${startingPosition ?? '(missing)'} is not supported; allowed: LATEST, TRIM_HORIZON`);
  }
  const batchSize = ddb.BatchSize === undefined ? undefined : integer(ddb.BatchSize, `${ddbWhere}.BatchSize`, 1, 10000, 1, resolve);
  const window = integer(ddb.MaximumBatchingWindowInSeconds, `${ddbWhere}.MaximumBatchingWindowInSeconds`, 0, 300, 0, resolve);
  const retries = integer(ddb.MaximumRetryAttempts, `${ddbWhere}.MaximumRetryAttempts`, -1, 10000, -1, resolve);
  const recordAge = integer(ddb.MaximumRecordAgeInSeconds, `${ddbWhere}.MaximumRecordAgeInSeconds`, -1, 604800, -1, resolve);
  const parallelizationFactor = integer(ddb.ParallelizationFactor, `${ddbWhere}.ParallelizationFactor`, 1, 10, 1, resolve);
  // The same rule as for a pipe read with DescribePipe (replay), so both accept the same pipes.
  const problem = sourceProblem({
    batchSize, maximumBatchingWindowSeconds: window, maximumRetryAttempts: retries, maximumRecordAgeSeconds: recordAge, parallelizationFactor,
  });
  if (problem) {
    throw new Error(`${where}: ${problem}`);
  }
  let onPartialBatchItemFailure: 'AUTOMATIC_BISECT' | undefined;
  if (ddb.OnPartialBatchItemFailure !== undefined) {
    const value = resolve(ddb.OnPartialBatchItemFailure);
    if (value !== 'AUTOMATIC_BISECT') {
      throw new Error(`${ddbWhere}.OnPartialBatchItemFailure ${value} is not supported; allowed: AUTOMATIC_BISECT`);
    }
    onPartialBatchItemFailure = value;
  }
  let deadLetterQueueArn: string | undefined;
  if (ddb.DeadLetterConfig !== undefined) {
    const config = objectOrEmpty(ddb.DeadLetterConfig, `${ddbWhere}.DeadLetterConfig`);
    onlyKnown(config, ['Arn'], `${ddbWhere}.DeadLetterConfig`, 'keys');
    if (config.Arn !== undefined) {
      deadLetterQueueArn = resolve(config.Arn);
      if (!SQS_QUEUE_ARN.test(deadLetterQueueArn)) {
        throw new Error(`${ddbWhere}.DeadLetterConfig.Arn ${deadLetterQueueArn} is not an SQS queue ARN; the local pipe runner writes dead letters to SQS queues only`);
      }
    }
  }

  const filterPatterns = readFilters(sourceParameters.FilterCriteria, `${where}: SourceParameters.FilterCriteria`, resolve);

  let enrichment: PipeDefinition['enrichment'];
  const enrichmentParameters = objectOrEmpty(props.EnrichmentParameters, `${where}: EnrichmentParameters`);
  onlyKnown(enrichmentParameters, ENRICHMENT_PARAMETERS, `${where}: EnrichmentParameters`, 'keys');
  if (props.Enrichment !== undefined) {
    const arn = resolve(props.Enrichment);
    if (!LAMBDA_FUNCTION_ARN.test(arn)) {
      throw new Error(`${where}: Enrichment ${arn} is not a Lambda function ARN; the local pipe runner only invokes Lambda enrichments`);
    }
    const inputTemplate = optionalTemplate(enrichmentParameters.InputTemplate, `${where}: EnrichmentParameters.InputTemplate`, resolve);
    enrichment = { arn, ...(inputTemplate !== undefined ? { inputTemplate } : {}) };
  } else if (enrichmentParameters.InputTemplate !== undefined) {
    throw new Error(`${where}: EnrichmentParameters.InputTemplate is set but the pipe has no Enrichment`);
  }

  if (props.Target === undefined) {
    throw new Error(`${where}: Target is missing`);
  }
  const queueArn = resolve(props.Target);
  if (!SQS_QUEUE_ARN.test(queueArn)) {
    throw new Error(`${where}: Target ${queueArn} is not an SQS queue ARN; the local pipe runner only sends to SQS queues`);
  }
  const targetParameters = objectOrEmpty(props.TargetParameters, `${where}: TargetParameters`);
  onlyKnown(targetParameters, TARGET_PARAMETERS, `${where}: TargetParameters`, 'keys');
  const sqs = objectOrEmpty(targetParameters.SqsQueueParameters, `${where}: TargetParameters.SqsQueueParameters`);
  onlyKnown(sqs, SQS_PARAMETERS, `${where}: TargetParameters.SqsQueueParameters`, 'keys');
  const messageGroupId = dynamicParameter(sqs.MessageGroupId, `${where}: TargetParameters.SqsQueueParameters.MessageGroupId`, resolve);
  const messageDeduplicationId = dynamicParameter(sqs.MessageDeduplicationId, `${where}: TargetParameters.SqsQueueParameters.MessageDeduplicationId`, resolve);
  const targetTemplate = optionalTemplate(targetParameters.InputTemplate, `${where}: TargetParameters.InputTemplate`, resolve);

  const logging = readLogging(props.LogConfiguration, `${where}: LogConfiguration`, resolve);
  const name = props.Name === undefined ? logicalId : resolve(props.Name);

  return {
    name,
    desiredState,
    source: {
      streamArn,
      startingPosition,
      batchSize: batchSize!,
      maximumBatchingWindowSeconds: window,
      maximumRetryAttempts: retries,
      maximumRecordAgeSeconds: recordAge,
      ...(onPartialBatchItemFailure ? { onPartialBatchItemFailure } : {}),
      parallelizationFactor,
      ...(deadLetterQueueArn ? { deadLetterQueueArn } : {}),
    },
    filterPatterns,
    ...(enrichment ? { enrichment } : {}),
    target: {
      queueArn,
      ...(targetTemplate !== undefined ? { inputTemplate: targetTemplate } : {}),
      ...(messageGroupId !== undefined ? { messageGroupId } : {}),
      ...(messageDeduplicationId !== undefined ? { messageDeduplicationId } : {}),
    },
    ...(logging ? { logging } : {}),
  };
}

function onlyKnown(object: Json, known: readonly string[], where: string, what: string): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw new Error(`${where}: ${key} is not supported by the local pipe runner; supported ${what}: ${known.join(', ')}`);
    }
  }
}

function objectOrEmpty(value: unknown, where: string): Json {
  if (value === undefined) {
    return {};
  }
  if (!isObject(value)) {
    throw new Error(`${where} must be an object`);
  }
  return value;
}

function integer(value: unknown, where: string, min: number, max: number, fallback: number, resolve: ResolveValue): number {
  if (value === undefined) {
    return fallback;
  }
  const number = typeof value === 'number' ? value : Number(resolve(value));
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${where} ${JSON.stringify(value)} is out of range; allowed: an integer from ${min} to ${max}`);
  }
  return number;
}

function readFilters(value: unknown, where: string, resolve: ResolveValue): string[] {
  if (value === undefined) {
    return [];
  }
  const criteria = objectOrEmpty(value, where);
  onlyKnown(criteria, ['Filters'], where, 'keys');
  const filters = criteria.Filters ?? [];
  if (!Array.isArray(filters)) {
    throw new Error(`${where}.Filters must be an array`);
  }
  if (filters.length > 5) {
    throw new Error(`${where}.Filters has ${filters.length} filters; allowed: at most 5`);
  }
  return filters.map((filter, i) => {
    const f = objectOrEmpty(filter, `${where}.Filters[${i}]`);
    onlyKnown(f, ['Pattern'], `${where}.Filters[${i}]`, 'keys');
    if (f.Pattern === undefined) {
      throw new Error(`${where}.Filters[${i}].Pattern is missing`);
    }
    const pattern = resolve(f.Pattern);
    const problems = EventPattern.validate(pattern);
    if (problems.length > 0) {
      throw new Error(`${where}.Filters[${i}].Pattern is not a valid Pipes filter pattern: ${problems.join('; ')}`);
    }
    return pattern;
  });
}

function optionalTemplate(value: unknown, where: string, resolve: ResolveValue): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const template = resolve(value);
  InputTemplate.parse(template, where);
  return template;
}

function dynamicParameter(value: unknown, where: string, resolve: ResolveValue): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const text = resolve(value);
  if (text.startsWith('$')) {
    parseJsonPath(text, where);
  }
  return text;
}

function readLogging(value: unknown, where: string, resolve: ResolveValue): PipeLoggingDefinition | undefined {
  if (value === undefined) {
    return undefined;
  }
  const config = objectOrEmpty(value, where);
  onlyKnown(config, LOG_PROPERTIES, where, 'keys');
  const level = config.Level === undefined ? 'OFF' : resolve(config.Level);
  if (level !== 'OFF' && level !== 'ERROR' && level !== 'INFO' && level !== 'TRACE') {
    throw new Error(`${where}.Level ${level} is not supported; allowed: OFF, ERROR, INFO, TRACE`);
  }
  let includeExecutionData = false;
  if (config.IncludeExecutionData !== undefined) {
    const values = config.IncludeExecutionData;
    if (!Array.isArray(values) || values.some(v => resolve(v) !== 'ALL')) {
      throw new Error(`${where}.IncludeExecutionData ${JSON.stringify(values)} is not supported; allowed: ["ALL"] or absent`);
    }
    includeExecutionData = values.length > 0;
  }
  return { level, includeExecutionData };
}
