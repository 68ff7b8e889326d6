/**
 * The one validation of a pipe, whichever reader found it: a synthesized `AWS::Pipes::Pipe`
 * (from-template.ts) or the Pipes API's `DescribePipe` response (from-describe-pipe.ts). Both hand it
 * the pipe in the Pipes API's own shape (the CloudFormation properties carry the same names as
 * CreatePipe's request), so both accept and refuse exactly the same pipes, with the same words.
 *
 * Two kinds of rules, kept apart below:
 * - the Pipes API's own (CreatePipe): ranges, enums, lengths, at most 5 filters, filter patterns in
 *   the syntax EventBridge accepts, input templates Pipes can parse. A pattern is never refused for
 *   being useless or odd: lints are the construct's (`Annotations`), not the API's.
 *   https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_CreatePipe.html
 * - what these tools execute: a DynamoDB stream source, an optional Lambda enrichment, an SQS target
 *   and an SQS dead-letter queue; anything else is refused naming the field, never ignored.
 */
import type { PipeDefinition, PipeLoggingDefinition } from './definition';
import { InputTemplate, parseJsonPath } from './input-template';
// The Pipes API's limits and the pattern syntax EventBridge accepts have one home, shared with the construct.
import { validatePattern } from '../../src/private/event-pattern';
import { PIPES_LIMITS, rangeProblem } from '../../src/private/pipes-limits';

/** What EventBridge refuses in a filter pattern, as problems (empty: accepted); never a lint. */
const patternSyntaxProblems = (pattern: string): string[] => validatePattern(pattern);

/**
 * What is wrong with a DynamoDB stream source's numbers, or undefined, in the Pipes API's ranges;
 * with an SQS target a batch holds at most 10 records
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html). AWS
 * documents no default batch size for this source, so an unset one is refused rather than guessed.
 */
function sourceProblem(field: string, source: {
  readonly batchSize?: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeSeconds: number;
  readonly parallelizationFactor: number;
}): string | undefined {
  if (source.batchSize === undefined) {
    const limit = PIPES_LIMITS.batchSizeWithSqsTarget;
    return `${field}.BatchSize must be set: AWS documents no default for a DynamoDB stream source; set ${limit.min} to ${limit.max} for an SQS target`;
  }
  return rangeProblem(`${field}.BatchSize`, source.batchSize, PIPES_LIMITS.batchSizeWithSqsTarget)
    ?? rangeProblem(`${field}.MaximumBatchingWindowInSeconds`, source.maximumBatchingWindowSeconds, PIPES_LIMITS.maximumBatchingWindowInSeconds)
    ?? rangeProblem(`${field}.MaximumRetryAttempts`, source.maximumRetryAttempts, PIPES_LIMITS.maximumRetryAttempts)
    ?? rangeProblem(`${field}.MaximumRecordAgeInSeconds`, source.maximumRecordAgeSeconds, PIPES_LIMITS.maximumRecordAgeInSeconds)
    ?? rangeProblem(`${field}.ParallelizationFactor`, source.parallelizationFactor, PIPES_LIMITS.parallelizationFactor);
}

/** `arn:<partition>:dynamodb:<region>:<account>:table/<name>/stream/<label>`: the only source these tools read. */
export const DYNAMODB_STREAM_ARN = /^arn:(aws[a-z-]*):dynamodb:([a-z0-9-]+):(\d{12}):table\/[^/]+\/stream\/[^/]+$/;
/** `arn:<partition>:sqs:<region>:<account>:<queue name>`: the only target and dead-letter queue these tools write. */
export const SQS_QUEUE_ARN = /^arn:(aws[a-z-]*):sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,75}(?:\.fifo)?)$/;
/** `arn:<partition>:lambda:<region>:<account>:function:<name>[:<version or alias>]`: the only enrichment these tools invoke. */
export const LAMBDA_FUNCTION_ARN = /^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):(\d{12}):function:[A-Za-z0-9_-]+(?::[A-Za-z0-9$_-]+)?$/;

/** The pipe cannot be executed by these tools: the Pipes API would refuse it, or the tools cannot run it. */
export class UnsupportedPipeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedPipeError';
  }
}

/**
 * A pipe in the Pipes API's shape: the fields of CreatePipe's request and DescribePipe's response,
 * which are also the properties of `AWS::Pipes::Pipe`. Values are checked, so any value is allowed
 * here; fields the tools do not need (`RoleArn`, `Description`, `Tags`, `KmsKeyIdentifier`, the
 * response's states and times) are not read.
 */
export interface PipeFields {
  readonly Name?: unknown;
  readonly Arn?: unknown;
  readonly DesiredState?: unknown;
  readonly Source?: unknown;
  readonly SourceParameters?: unknown;
  readonly Enrichment?: unknown;
  readonly EnrichmentParameters?: unknown;
  readonly Target?: unknown;
  readonly TargetParameters?: unknown;
  readonly LogConfiguration?: unknown;
}

const DYNAMODB_STREAM_PARAMETERS = ['StartingPosition', 'BatchSize', 'MaximumBatchingWindowInSeconds', 'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds', 'OnPartialBatchItemFailure', 'ParallelizationFactor', 'DeadLetterConfig'];
const LOG_CONFIGURATION = ['Level', 'IncludeExecutionData', 'CloudwatchLogsLogDestination', 'FirehoseLogDestination', 'S3LogDestination'];
const LOG_LEVELS = ['OFF', 'ERROR', 'INFO', 'TRACE'] as const;

type Json = Record<string, unknown>;

/**
 * Checks a pipe against the Pipes API's rules and what these tools execute, and returns it as the
 * tools execute it.
 * @param label names the pipe in errors
 * @default label `Pipe <Name>`
 * @throws UnsupportedPipeError `<label>: <field> ...`, naming the field and what is allowed
 */
export function validatePipe(fields: PipeFields, label?: string): PipeDefinition {
  if (typeof fields.Name !== 'string') {
    throw new UnsupportedPipeError(`${label ?? 'Pipe'}: Name is missing`);
  }
  const name = fields.Name;
  const refuse = (problem: string): never => {
    throw new UnsupportedPipeError(`${label ?? `Pipe ${name}`}: ${problem}`);
  };
  const check = (problem: string | undefined) => problem === undefined || refuse(problem);

  const nameProblem = rangeProblem('Name', name, PIPES_LIMITS.pipeName);
  if (nameProblem) {
    refuse(nameProblem);
  }
  const desiredState = fields.DesiredState ?? 'RUNNING';
  if (desiredState === 'DELETED') refuse('DesiredState is DELETED (the pipe is being deleted)');
  if (desiredState !== 'RUNNING' && desiredState !== 'STOPPED') refuse(`DesiredState ${JSON.stringify(desiredState)} is not RUNNING or STOPPED`);

  // Source: a DynamoDB stream.
  if (fields.Source === undefined) refuse('Source is missing');
  const streamArn = fields.Source;
  if (typeof streamArn !== 'string' || !DYNAMODB_STREAM_ARN.test(streamArn)) {
    refuse(`Source ${JSON.stringify(streamArn)} is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>); `
      + 'only pipes with a DynamoDB stream source can be executed');
  }
  const sourceParameters = object(fields.SourceParameters, 'SourceParameters', refuse);
  const otherSources = keys(sourceParameters).filter((key) => key !== 'DynamoDBStreamParameters' && key !== 'FilterCriteria');
  if (otherSources.length > 0) {
    refuse(`SourceParameters.${otherSources.join(', SourceParameters.')} set for a DynamoDB stream source; only DynamoDBStreamParameters and FilterCriteria apply`);
  }
  if (sourceParameters.DynamoDBStreamParameters === undefined) refuse('SourceParameters.DynamoDBStreamParameters is missing');
  const ddbField = 'SourceParameters.DynamoDBStreamParameters';
  const ddb = object(sourceParameters.DynamoDBStreamParameters, ddbField, refuse);
  check(unknownFields(ddb, DYNAMODB_STREAM_PARAMETERS, ddbField));
  const startingPosition = ddb.StartingPosition;
  if (startingPosition === undefined) refuse(`${ddbField}.StartingPosition is missing; allowed: LATEST, TRIM_HORIZON`);
  if (startingPosition !== 'LATEST' && startingPosition !== 'TRIM_HORIZON') {
    refuse(`${ddbField}.StartingPosition ${JSON.stringify(startingPosition)} is not LATEST or TRIM_HORIZON`);
  }
  const integer = (field: string, fallback: number | undefined): number | undefined => {
    const value = ddb[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value)) refuse(`${ddbField}.${field} ${JSON.stringify(value)} is not an integer`);
    return value as number;
  };
  // Defaults where BatchSize is unset: the service's (infinite retries and record age, no batching
  // window, one batch per shard): https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html
  const source = {
    batchSize: integer('BatchSize', undefined),
    maximumBatchingWindowSeconds: integer('MaximumBatchingWindowInSeconds', 0)!,
    maximumRetryAttempts: integer('MaximumRetryAttempts', -1)!,
    maximumRecordAgeSeconds: integer('MaximumRecordAgeInSeconds', -1)!,
    parallelizationFactor: integer('ParallelizationFactor', 1)!,
  };
  check(sourceProblem('SourceParameters.DynamoDBStreamParameters', source));
  const onPartialBatchItemFailure = ddb.OnPartialBatchItemFailure;
  if (onPartialBatchItemFailure !== undefined && onPartialBatchItemFailure !== 'AUTOMATIC_BISECT') {
    refuse(`${ddbField}.OnPartialBatchItemFailure ${JSON.stringify(onPartialBatchItemFailure)} is not AUTOMATIC_BISECT`);
  }
  const deadLetterConfig = object(ddb.DeadLetterConfig, `${ddbField}.DeadLetterConfig`, refuse);
  check(unknownFields(deadLetterConfig, ['Arn'], `${ddbField}.DeadLetterConfig`));
  const deadLetterQueueArn = deadLetterConfig.Arn;
  if (deadLetterQueueArn !== undefined && (typeof deadLetterQueueArn !== 'string' || !SQS_QUEUE_ARN.test(deadLetterQueueArn))) {
    refuse(`${ddbField}.DeadLetterConfig.Arn ${JSON.stringify(deadLetterQueueArn)} is not an SQS queue ARN; only dead-letter queues in SQS can be written`);
  }

  const filterPatterns = filters(sourceParameters.FilterCriteria, refuse);

  // Enrichment: a Lambda function, or none ("" is none, as the API reads it).
  const enrichmentParameters = object(fields.EnrichmentParameters, 'EnrichmentParameters', refuse);
  check(unknownFields(enrichmentParameters, ['InputTemplate', 'HttpParameters'], 'EnrichmentParameters'));
  let enrichment: PipeDefinition['enrichment'];
  if (fields.Enrichment !== undefined && fields.Enrichment !== '') {
    const arn = fields.Enrichment;
    if (typeof arn !== 'string' || !LAMBDA_FUNCTION_ARN.test(arn)) {
      refuse(`Enrichment ${JSON.stringify(arn)} is not a Lambda function ARN; only Lambda enrichments can be executed`);
    }
    if (enrichmentParameters.HttpParameters !== undefined) {
      refuse('EnrichmentParameters.HttpParameters is set; it applies to API destination enrichments, which cannot be executed');
    }
    const inputTemplate = template(enrichmentParameters.InputTemplate, 'EnrichmentParameters.InputTemplate', refuse);
    enrichment = { arn: arn as string, ...(inputTemplate !== undefined ? { inputTemplate } : {}) };
  } else if (keys(enrichmentParameters).length > 0) {
    refuse('EnrichmentParameters are set but there is no Enrichment');
  }

  // Target: an SQS queue.
  if (fields.Target === undefined) refuse('Target is missing');
  const queueArn = fields.Target;
  if (typeof queueArn !== 'string' || !SQS_QUEUE_ARN.test(queueArn)) {
    refuse(`Target ${JSON.stringify(queueArn)} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>); only SQS targets can be executed`);
  }
  const targetParameters = object(fields.TargetParameters, 'TargetParameters', refuse);
  const otherTargets = keys(targetParameters).filter((key) => key !== 'InputTemplate' && key !== 'SqsQueueParameters');
  if (otherTargets.length > 0) {
    refuse(`TargetParameters.${otherTargets.join(', TargetParameters.')} set for an SQS target; only SqsQueueParameters and InputTemplate apply`);
  }
  const sqsField = 'TargetParameters.SqsQueueParameters';
  const sqs = object(targetParameters.SqsQueueParameters, sqsField, refuse);
  check(unknownFields(sqs, ['MessageGroupId', 'MessageDeduplicationId'], sqsField));
  const messageGroupId = sqsParameter(sqs.MessageGroupId, `${sqsField}.MessageGroupId`, refuse);
  const messageDeduplicationId = sqsParameter(sqs.MessageDeduplicationId, `${sqsField}.MessageDeduplicationId`, refuse);
  const targetTemplate = template(targetParameters.InputTemplate, 'TargetParameters.InputTemplate', refuse);

  const logging = logConfiguration(fields.LogConfiguration, refuse);

  return {
    name,
    ...(typeof fields.Arn === 'string' ? { arn: fields.Arn } : {}),
    desiredState: desiredState as 'RUNNING' | 'STOPPED',
    source: {
      streamArn: streamArn as string,
      startingPosition: startingPosition as 'LATEST' | 'TRIM_HORIZON',
      batchSize: source.batchSize!,
      maximumBatchingWindowSeconds: source.maximumBatchingWindowSeconds,
      maximumRetryAttempts: source.maximumRetryAttempts,
      maximumRecordAgeSeconds: source.maximumRecordAgeSeconds,
      ...(onPartialBatchItemFailure ? { onPartialBatchItemFailure: 'AUTOMATIC_BISECT' as const } : {}),
      parallelizationFactor: source.parallelizationFactor,
      ...(deadLetterQueueArn ? { deadLetterQueueArn: deadLetterQueueArn as string } : {}),
    },
    filterPatterns,
    ...(enrichment ? { enrichment } : {}),
    target: {
      queueArn: queueArn as string,
      ...(targetTemplate !== undefined ? { inputTemplate: targetTemplate } : {}),
      ...(messageGroupId !== undefined ? { messageGroupId } : {}),
      ...(messageDeduplicationId !== undefined ? { messageDeduplicationId } : {}),
    },
    ...(logging ? { logging } : {}),
  };
}

type Refuse = (problem: string) => never;

/** The keys of an object whose values are set (SDK responses hold `undefined` for absent members). */
function keys(value: Json): string[] {
  return Object.keys(value).filter((key) => value[key] !== undefined);
}

/** An object field, `{}` when absent. */
function object(value: unknown, field: string, refuse: Refuse): Json {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) refuse(`${field} is not an object`);
  return value as Json;
}

function unknownFields(value: Json, known: readonly string[], field: string): string | undefined {
  const unknown = keys(value).filter((key) => !known.includes(key));
  return unknown.length === 0 ? undefined : `${field}.${unknown[0]} is not a field of ${field}; its fields: ${known.join(', ')}`;
}

/** `FilterCriteria.Filters`: at most 5 patterns in a syntax EventBridge accepts. */
function filters(value: unknown, refuse: Refuse): string[] {
  const field = 'SourceParameters.FilterCriteria';
  const criteria = object(value, field, refuse);
  const problem = unknownFields(criteria, ['Filters'], field);
  if (problem) refuse(problem);
  const list = criteria.Filters ?? [];
  if (!Array.isArray(list)) return refuse(`${field}.Filters is not an array`);
  const countProblem = rangeProblem(`${field}.Filters`, list.length, PIPES_LIMITS.filterPatterns);
  if (countProblem) refuse(countProblem);
  return list.map((filter, i) => {
    const at = `${field}.Filters[${i}]`;
    const entry = object(filter, at, refuse);
    const unknown = unknownFields(entry, ['Pattern'], at);
    if (unknown) refuse(unknown);
    const pattern = entry.Pattern;
    if (pattern === undefined || pattern === '') refuse(`${at}.Pattern is missing`);
    if (typeof pattern !== 'string') return refuse(`${at}.Pattern is not a string`);
    const lengthProblem = rangeProblem(`${at}.Pattern`, pattern, PIPES_LIMITS.filterPatternLength);
    if (lengthProblem) refuse(lengthProblem);
    try {
      JSON.parse(pattern);
    } catch (error) {
      refuse(`${at}.Pattern is not JSON (${(error as Error).message})`);
    }
    const problems = patternSyntaxProblems(pattern);
    if (problems.length > 0) refuse(`${at}.Pattern is not a valid Pipes filter pattern: ${problems.join('; ')}`);
    return pattern;
  });
}

/** An input template: undefined when absent or empty ("" removes a template), else parsed as Pipes parses it. */
function template(value: unknown, field: string, refuse: Refuse): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') return refuse(`${field} is not a string`);
  const lengthProblem = rangeProblem(field, value, PIPES_LIMITS.inputTemplateLength);
  if (lengthProblem) refuse(lengthProblem);
  try {
    InputTemplate.parse(value, field);
  } catch (error) {
    refuse((error as Error).message);
  }
  return value;
}

/** `MessageGroupId` or `MessageDeduplicationId`: a static value, or a JSON path into the event. */
function sqsParameter(value: unknown, field: string, refuse: Refuse): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return refuse(`${field} is not a string`);
  const lengthProblem = rangeProblem(field, value, PIPES_LIMITS.messageGroupId);
  if (lengthProblem) refuse(lengthProblem);
  if (value.startsWith('$')) {
    try {
      parseJsonPath(value, field);
    } catch (error) {
      refuse((error as Error).message);
    }
  }
  return value;
}

/** `LogConfiguration`: its level and whether execution data is included (destinations have no local effect). */
function logConfiguration(value: unknown, refuse: Refuse): PipeLoggingDefinition | undefined {
  if (value === undefined || value === null) return undefined;
  const config = object(value, 'LogConfiguration', refuse);
  const unknown = unknownFields(config, LOG_CONFIGURATION, 'LogConfiguration');
  if (unknown) refuse(unknown);
  const level = config.Level ?? 'OFF';
  if (!LOG_LEVELS.includes(level as typeof LOG_LEVELS[number])) refuse(`LogConfiguration.Level ${JSON.stringify(level)} is not OFF, ERROR, INFO or TRACE`);
  const data = config.IncludeExecutionData ?? [];
  if (!Array.isArray(data) || data.some((item) => item !== 'ALL')) {
    refuse(`LogConfiguration.IncludeExecutionData ${JSON.stringify(data)} is not ["ALL"] or []`);
  }
  return { level: level as PipeLoggingDefinition['level'], includeExecutionData: (data as unknown[]).length > 0 };
}
