/**
 * The enrichment: exactly one of the two props, and input templates the Pipes API accepts.
 */
import * as pipes from '@aws-cdk/aws-pipes-alpha';
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { PIPES_LIMITS, rangeProblem } from './pipes-limits';
import { invalid } from './validation';
import type { EnrichedStreamToQueueProps } from '../enriched-stream-to-queue';

/** Refuses both or neither of `enrichmentFunction` and `enrichment`. */
export function validateEnrichment(scope: IConstruct, props: EnrichedStreamToQueueProps): void {
  if ((props.enrichmentFunction === undefined) === (props.enrichment === undefined)) {
    invalid(scope, `enrichmentFunction or enrichment must be given (exactly one of them), got ${props.enrichment === undefined ? 'neither' : 'both'}`);
  }
}

/**
 * Refuses an input template longer than the Pipes API accepts (`InputTemplate`), once the pipe has
 * rendered it.
 */
export function validateInputTemplates(scope: IConstruct, pipe: pipes.Pipe): void {
  const resource = pipe.node.defaultChild as unknown as {
    enrichmentParameters?: { inputTemplate?: unknown };
    targetParameters?: { inputTemplate?: unknown };
  };
  const templates: Array<[string, unknown]> = [
    ['enrichment\'s input template', resource.enrichmentParameters?.inputTemplate],
    ['targetInputTransformation\'s input template', resource.targetParameters?.inputTemplate],
  ];
  for (const [what, template] of templates) {
    if (typeof template === 'string' && !Token.isUnresolved(template)) {
      const problem = rangeProblem(what, template, PIPES_LIMITS.inputTemplateLength);
      if (problem) {
        invalid(scope, problem);
      }
    }
  }
}
