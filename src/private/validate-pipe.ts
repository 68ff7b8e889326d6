/**
 * The pipe's own settings: name, description and desired state, against the Pipes API.
 */
import { IConstruct } from 'constructs';
import { PIPES_ENUMS, PIPES_LIMITS } from './pipes-limits';
import { validateEnum, validateRange } from './validation';
import type { EnrichedStreamToQueueProps } from '../enriched-stream-to-queue';

/** Refuses a name, description or desired state that the Pipes API would reject (tokens pass). */
export function validatePipe(scope: IConstruct, props: EnrichedStreamToQueueProps): void {
  validateRange(scope, 'pipeName', props.pipeName, PIPES_LIMITS.pipeName);
  validateRange(scope, 'description', props.description, PIPES_LIMITS.description);
  validateEnum(scope, 'desiredState', props.desiredState, PIPES_ENUMS.desiredState, 'pipes.DesiredState');
}
