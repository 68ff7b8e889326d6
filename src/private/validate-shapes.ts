import { Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';
import { PIPES_ENUMS } from './pipes-limits';
import { hasMethods, hasStrings, isObject, requireShape, validateEnum } from './validation';
import type { EnrichedStreamToQueueProps } from '../enriched-stream-to-queue';

/**
 * Checks the shape of every prop before anything reads it, so that a JavaScript caller (whom the
 * compiler does not check) gets an error naming the prop instead of a `TypeError` from deep inside.
 */
export function validateShapes(scope: IConstruct, props: EnrichedStreamToQueueProps): void {
  requireShape(scope, 'props', props, isObject(props), 'an object with at least \'table\' and one of \'enrichmentFunction\' or \'enrichment\'');
  const p = props as unknown as Record<string, unknown>;
  requireShape(scope, 'table', p.table, hasStrings(p.table, 'tableArn', 'tableName') && isObject((p.table as Record<string, unknown>).node),
    'a DynamoDB table (dynamodb.Table, dynamodb.TableV2 or an imported dynamodb.ITable)');
  if (p.enrichmentFunction !== undefined) {
    requireShape(scope, 'enrichmentFunction', p.enrichmentFunction, hasStrings(p.enrichmentFunction, 'functionArn'), 'a Lambda function (lambda.IFunction)',
      typeof p.enrichmentFunction === 'string' ? '; import a function by its ARN with lambda.Function.fromFunctionArn' : '');
  }
  if (p.enrichment !== undefined) {
    requireShape(scope, 'enrichment', p.enrichment, hasStrings(p.enrichment, 'enrichmentArn') && hasMethods(p.enrichment, 'bind', 'grantInvoke'),
      'a pipes.IEnrichment (with enrichmentArn, bind() and grantInvoke()), such as new LambdaEnrichment(fn)');
  }
  if (p.filter !== undefined) {
    const filters = isObject(p.filter) ? p.filter.filters : undefined;
    requireShape(scope, 'filter', p.filter, Array.isArray(filters) && filters.every(f => hasStrings(f, 'pattern')),
      'a pipes.IFilter (an object with a \'filters\' array of patterns), such as DynamoDBStreamFilter.inserts()');
  }
  for (const name of ['queue', 'sourceDeadLetterQueue'] as const) {
    if (p[name] !== undefined) {
      requireShape(scope, name, p[name], hasStrings(p[name], 'queueArn', 'queueUrl'), 'an SQS queue (sqs.IQueue)',
        typeof p[name] === 'string' ? '; import a queue by its ARN with sqs.Queue.fromQueueArn' : '');
    }
  }
  if (p.encryptionKey !== undefined) {
    requireShape(scope, 'encryptionKey', p.encryptionKey, hasStrings(p.encryptionKey, 'keyArn') && hasMethods(p.encryptionKey, 'grant'), 'a KMS key (kms.IKey)',
      typeof p.encryptionKey === 'string' ? '; import an existing key with kms.Key.fromKeyArn or an alias with kms.Alias.fromAliasName' : '');
  }
  if (p.role !== undefined) {
    requireShape(scope, 'role', p.role, hasStrings(p.role, 'roleArn') && hasMethods(p.role, 'addToPrincipalPolicy'), 'an IAM role (iam.IRole)',
      typeof p.role === 'string' ? '; import a role by its ARN with iam.Role.fromRoleArn' : '');
  }
  if (p.logGroup !== undefined) {
    requireShape(scope, 'logGroup', p.logGroup, hasStrings(p.logGroup, 'logGroupArn', 'logGroupName'), 'a log group (logs.ILogGroup)');
  }
  if (p.targetInputTransformation !== undefined) {
    requireShape(scope, 'targetInputTransformation', p.targetInputTransformation, hasMethods(p.targetInputTransformation, 'bind'),
      'a pipes.IInputTransformation, such as pipes.InputTransformation.fromObject({ ... })');
  }
  if (p.alarmActions !== undefined) {
    requireShape(scope, 'alarmActions', p.alarmActions, Array.isArray(p.alarmActions) && p.alarmActions.every(a => hasMethods(a, 'bind')),
      'an array of cloudwatch.IAlarmAction, such as [new actions.SnsAction(topic)]');
  }
  if (p.createAlarms !== undefined) {
    requireShape(scope, 'createAlarms', p.createAlarms, typeof p.createAlarms === 'boolean', 'a boolean');
  }
  if (p.logIncludeExecutionData !== undefined) {
    requireShape(scope, 'logIncludeExecutionData', p.logIncludeExecutionData, Array.isArray(p.logIncludeExecutionData),
      'an array of pipes.IncludeExecutionData, such as [IncludeExecutionData.ALL]');
    for (const value of p.logIncludeExecutionData as unknown[]) {
      validateEnum(scope, 'logIncludeExecutionData', value, PIPES_ENUMS.includeExecutionData, 'pipes.IncludeExecutionData');
    }
  }
  if (p.logRetention !== undefined) {
    const retentions = Object.values(logs.RetentionDays).filter(v => typeof v === 'number') as number[];
    requireShape(scope, 'logRetention', p.logRetention, typeof p.logRetention === 'number' && (Token.isUnresolved(p.logRetention) || retentions.includes(p.logRetention)),
      'a logs.RetentionDays value, such as RetentionDays.ONE_MONTH');
  }
}
