/**
 * Logging: the level, and props that would be ignored at the level chosen.
 */
import * as pipes from '@aws-cdk/aws-pipes-alpha';
import { IConstruct } from 'constructs';
import { PIPES_ENUMS } from './pipes-limits';
import { invalid, validateEnum } from './validation';
import type { EnrichedStreamToQueueProps } from '../enriched-stream-to-queue';

/** Refuses an unknown log level, and log props that logging OFF or a log group passed in would ignore. */
export function validateLogging(scope: IConstruct, props: EnrichedStreamToQueueProps): void {
  validateEnum(scope, 'logLevel', props.logLevel, PIPES_ENUMS.logLevel, 'pipes.LogLevel');
  const logsOff = props.logLevel === pipes.LogLevel.OFF;
  if (props.logGroup && logsOff) {
    invalid(scope, 'logGroup must be unset when logLevel is OFF: the pipe would never write to it');
  }
  if (props.logRetention !== undefined && logsOff) {
    invalid(scope, 'logRetention must be unset when logLevel is OFF: no log group is created, so there is nothing to keep');
  }
  if (props.logIncludeExecutionData !== undefined && logsOff) {
    invalid(scope, 'logIncludeExecutionData must be unset when logLevel is OFF: the pipe writes no logs to include it in');
  }
  if (props.logGroup && props.logRetention !== undefined) {
    invalid(scope, 'logRetention must be unset when logGroup is given: it applies only to the log group this construct creates; set the retention of the logGroup you pass in');
  }
}
