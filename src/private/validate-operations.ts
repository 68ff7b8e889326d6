/**
 * Operations: alarms and their actions.
 */
import { IConstruct } from 'constructs';
import { invalid } from './validation';
import type { EnrichedStreamToQueueProps } from '../enriched-stream-to-queue';

/** Refuses alarm actions when no alarm is created. */
export function validateOperations(scope: IConstruct, props: EnrichedStreamToQueueProps): void {
  if (props.alarmActions !== undefined && props.createAlarms === false) {
    invalid(scope, 'alarmActions must be unset when createAlarms is false: there would be no alarm to act on');
  }
}
