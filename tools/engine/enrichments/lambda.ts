/**
 * The enrichment stage with an AWS Lambda function, shared by the local pipe runner and the replay
 * tool, so that replayed records reach consumers in the same shape as live ones.
 *
 * - Enrichment: the batch is sent to the Lambda function as one JSON array in one synchronous
 *   invocation, even for one record, and each record goes through `EnrichmentParameters.InputTemplate`
 *   on its own (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html,
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-input-transformation.html). A function
 *   error fails the enrichment stage; "Partial batch failure handling of the enrichment is not supported".
 * - "If you don't want to invoke the target, return an empty response, such as "", {}, or []";
 *   `[{}]` invokes it with one empty item
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html). `null` and
 *   single values are points where AWS is silent (unspecified.ts).
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { PipeDefinition } from '../../pipe/definition';
import { cachedTemplate, pipeVariables } from '../../pipe/input-template';
import { describeError, isInternalFailure, PipeClients, PipeStageError, StageOptions } from '../stage';
import { UnspecifiedReporter } from '../unspecified';

/**
 * Runs the enrichment stage: applies the enrichment input template to each record, invokes the
 * Lambda function once with the JSON array and returns the items it returned. Without an enrichment
 * the records pass unchanged.
 * @throws PipeStageError (`ENRICHMENT`) if the transformation or the invocation fails
 */
export async function enrich(
  pipe: PipeDefinition, clients: PipeClients, records: readonly unknown[], options: StageOptions = {},
): Promise<unknown[]> {
  const report = options.report ?? (() => undefined);
  if (!pipe.enrichment) {
    return [...records];
  }
  report('ENRICHMENT_STAGE_ENTERED');
  let input: unknown[] = [...records];
  if (pipe.enrichment.inputTemplate !== undefined) {
    report('ENRICHMENT_TRANSFORMATION_STARTED');
    try {
      const transform = cachedTemplate(pipe.enrichment.inputTemplate, 'EnrichmentParameters.InputTemplate');
      const vars = pipeVariables(pipe);
      input = records.map(record => transform.apply(record, vars));
    } catch (error) {
      const message = `Enrichment input transformation failed: ${(error as Error).message}`;
      report('ENRICHMENT_TRANSFORMATION_FAILED', { error: { message } });
      report('ENRICHMENT_STAGE_FAILED', { error: { message } });
      throw new PipeStageError('ENRICHMENT', message);
    }
    report('ENRICHMENT_TRANSFORMATION_SUCCEEDED', { payload: input });
  }
  const request = { FunctionName: pipe.enrichment.arn, InvocationType: 'RequestResponse' as const, Payload: JSON.stringify(input) };
  report('ENRICHMENT_INVOCATION_STARTED');
  let responseText = '';
  try {
    const response = await clients.lambda.send(
      new InvokeCommand({ ...request, Payload: Buffer.from(request.Payload) }),
      { abortSignal: options.abortSignal },
    );
    responseText = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
    if (response.FunctionError) {
      throw new Error(`the function returned an error (${response.FunctionError}): ${describeFunctionError(responseText)}`);
    }
  } catch (error) {
    // A function error is the customer's; the Lambda service unreachable or failing on its side is internal.
    const internal = isInternalFailure(error);
    const message = `Enrichment ${pipe.enrichment.arn} failed: ${describeError(error)}`;
    report('ENRICHMENT_INVOCATION_FAILED', { awsRequest: request, awsResponse: responseText, error: { message, awsService: 'lambda' } });
    report('ENRICHMENT_STAGE_FAILED', { error: { message } });
    throw new PipeStageError('ENRICHMENT', message, { internal });
  }
  report('ENRICHMENT_INVOCATION_SUCCEEDED', { awsRequest: request, awsResponse: responseText });
  let items: unknown[];
  try {
    items = parseEnrichmentResponse(responseText, records.length, options.unspecified ?? (() => undefined));
  } catch (error) {
    // Under strict, a point where AWS is silent fails the execution (UnspecifiedBehaviourError).
    report('ENRICHMENT_STAGE_FAILED', { error: { message: (error as Error).message } });
    throw error;
  }
  report('ENRICHMENT_STAGE_SUCCEEDED', { payload: items });
  return items;
}

function describeFunctionError(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { errorType?: string; errorMessage?: string };
    if (parsed && (parsed.errorType || parsed.errorMessage)) {
      return [parsed.errorType, parsed.errorMessage].filter(Boolean).join(': ');
    }
  } catch {
    // not JSON: report it as text
  }
  return payload.slice(0, 500);
}

/**
 * The items of the enrichment's answer: an array is the items; the empty responses the enrichment page
 * lists (`""`, `{}`, `[]`) are no item. Where the page is silent: `null` or no answer at all is no item
 * (`enrichment-null-result`), and any other single value is one item (`enrichment-non-array-result`).
 */
function parseEnrichmentResponse(text: string, records: number, unspecified: UnspecifiedReporter): unknown[] {
  const batch = `a batch of ${records} record${records === 1 ? '' : 's'}`;
  if (text.trim() === '') {
    unspecified('enrichment-null-result', `the enrichment answered nothing for ${batch}; the target was not invoked`);
    return [];
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    unspecified('enrichment-non-array-result', `the enrichment answered text that is not JSON for ${batch}; it is sent as one message`);
    return [text];
  }
  if (value === null) {
    unspecified('enrichment-null-result', `the enrichment answered null for ${batch} (a handler that does not return answers null); the target was not invoked`);
    return [];
  }
  const empty = value === '' || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0);
  if (empty) {
    return [];
  }
  if (Array.isArray(value)) {
    return value;
  }
  unspecified('enrichment-non-array-result', `the enrichment answered one ${typeof value} instead of an array for ${batch}; it is sent as one message`);
  return [value];
}
