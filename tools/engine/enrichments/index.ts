/**
 * The enrichment stage of a pipe, chosen by the service of its enrichment ARN. A new enrichment
 * (Step Functions, API destinations) is one file under this folder exporting an
 * {@link EnrichmentStage} and one case here.
 */
import { parseArn } from '../../cloudformation/arn';
import { PipeDefinition } from '../../pipe/definition';
import { EnrichmentStage } from '../stage';
import { enrich as lambdaEnrichment } from './lambda';

/** Without an enrichment the records pass unchanged. */
const none: EnrichmentStage = async (_pipe, _clients, records) => [...records];

/**
 * The enrichment stage of `pipe`.
 * @throws Error naming the service when no local stage invokes it
 */
export function enrichmentFor(pipe: PipeDefinition): EnrichmentStage {
  if (!pipe.enrichment) {
    return none;
  }
  const service = parseArn(pipe.enrichment.arn).service;
  switch (service) {
    case 'lambda':
      return lambdaEnrichment;
    default:
      throw new Error(`Pipe ${pipe.name}: Enrichment ${pipe.enrichment.arn} is a ${service} ARN; the local pipe runner invokes Lambda enrichments only`);
  }
}
