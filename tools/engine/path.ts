/**
 * The path of one batch through a pipe (filter → enrichment → target), shared by the local pipe
 * runner and the replay tool, so that replayed records reach consumers in the same shape as live ones.
 *
 * AWS behaviour modelled here, with the pages it follows:
 * - Filter: a record passes when any pattern of `FilterCriteria` matches it; no patterns, every record
 *   passes (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html),
 *   evaluated with the library's `EventPattern`.
 * - Enrichment: the batch is sent to the Lambda function as one JSON array in one synchronous
 *   invocation, even for one record, and each record goes through `EnrichmentParameters.InputTemplate`
 *   on its own (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html,
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-input-transformation.html). A function
 *   error fails the enrichment stage; "Partial batch failure handling of the enrichment is not supported".
 * - Target: the enrichment may return a shorter or longer array, "However, if the array is larger than
 *   the batch size supported by the target, the pipe won't invoke the target": more than 10 items for
 *   an SQS queue fails the target stage (batching page). Items go through `TargetParameters.InputTemplate`
 *   one at a time and are sent with one `SendMessageBatch`. `MessageGroupId` and
 *   `MessageDeduplicationId` are a static value or a JSON path evaluated on the item before its input
 *   transformation ("Dynamic path parameters can't reference new or transformed values resulting from
 *   input transformation", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-target.html).
 *   A `SendMessageBatch` that fails for any entry fails the target stage, and the whole batch is
 *   retried (Pipes retries "through the entire pipe, including re-invoking any configured enrichment",
 *   batching page); delivery is therefore at least once.
 * - "If you don't want to invoke the target, return an empty response, such as "", {}, or []";
 *   `[{}]` invokes it with one empty item
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/pipes-enrichment.html).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { EventPattern } from '../../src/testing/event-pattern';
import { PipeDefinition, SQS_TARGET_BATCH_SIZE_LIMIT } from '../pipe/definition';
import { StepReporter } from '../pipe/execution-log';
import { InputTemplate, parseJsonPath, PipeVariables, select } from '../pipe/input-template';
import { PipeRecord } from './sources/dynamodb-stream';

/** Most entries one `SendMessageBatch` accepts, and so the most items an SQS target takes per execution. */
export const SQS_TARGET_BATCH_LIMIT = SQS_TARGET_BATCH_SIZE_LIMIT;

/** The SDK clients the path uses, built with the SDK's default configuration (endpoints from `AWS_ENDPOINT_URL_*`). */
export interface PipeClients {
  readonly lambda: LambdaClient;
  readonly sqs: SQSClient;
}

/** A failed stage of a pipe execution. */
export class PipeStageError extends Error {
  constructor(
    /** The stage that failed. */
    public readonly stage: 'ENRICHMENT' | 'TARGET',
    message: string,
  ) {
    super(message);
    this.name = 'PipeStageError';
  }
}

/** Options of {@link enrich} and {@link sendToTarget}. */
export interface PathOptions {
  /** Receives the execution steps, for logging. */
  readonly report?: StepReporter;
  /** Aborts an invocation (the execution timed out or the runner stops). */
  readonly abortSignal?: AbortSignal;
}

/** The ARN of a pipe, given or derived from its name and its source's partition, region and account. */
export function pipeArnOf(pipe: PipeDefinition): string {
  if (pipe.arn) {
    return pipe.arn;
  }
  const [, partition, , region, account] = pipe.source.streamArn.split(':');
  return `arn:${partition}:pipes:${region}:${account}:pipe/${pipe.name}`;
}

function variables(pipe: PipeDefinition): PipeVariables {
  return {
    pipeArn: pipeArnOf(pipe),
    pipeName: pipe.name,
    sourceArn: pipe.source.streamArn,
    enrichmentArn: pipe.enrichment?.arn,
    targetArn: pipe.target.queueArn,
    ingestionTime: new Date(),
  };
}

const templates = new Map<string, InputTemplate>();
function template(source: string, what: string): InputTemplate {
  const key = `${what}\u0000${source}`;
  let parsed = templates.get(key);
  if (!parsed) {
    parsed = InputTemplate.parse(source, what);
    templates.set(key, parsed);
  }
  return parsed;
}

/** Whether a record passes the pipe's filter (any pattern matches; no pattern: every record). */
export function matchesFilter(pipe: PipeDefinition, record: PipeRecord): boolean {
  if (pipe.filterPatterns.length === 0) {
    return true;
  }
  return pipe.filterPatterns.some(pattern => EventPattern.matches(pattern, record));
}

/**
 * Runs the enrichment stage: applies the enrichment input template to each record, invokes the
 * Lambda function once with the JSON array and returns the items it returned. Without an enrichment
 * the records pass unchanged.
 * @throws PipeStageError (`ENRICHMENT`) if the transformation or the invocation fails
 */
export async function enrich(pipe: PipeDefinition, clients: PipeClients, records: readonly unknown[], options: PathOptions = {}): Promise<unknown[]> {
  const report = options.report ?? (() => undefined);
  if (!pipe.enrichment) {
    return [...records];
  }
  report('ENRICHMENT_STAGE_ENTERED');
  let input: unknown[] = [...records];
  if (pipe.enrichment.inputTemplate !== undefined) {
    report('ENRICHMENT_TRANSFORMATION_STARTED');
    try {
      const transform = template(pipe.enrichment.inputTemplate, 'EnrichmentParameters.InputTemplate');
      const vars = variables(pipe);
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
    const message = `Enrichment ${pipe.enrichment.arn} failed: ${(error as Error).message}`;
    report('ENRICHMENT_INVOCATION_FAILED', { awsRequest: request, awsResponse: responseText, error: { message, awsService: 'lambda' } });
    report('ENRICHMENT_STAGE_FAILED', { error: { message } });
    throw new PipeStageError('ENRICHMENT', message);
  }
  report('ENRICHMENT_INVOCATION_SUCCEEDED', { awsRequest: request, awsResponse: responseText });
  const items = parseEnrichmentResponse(responseText);
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

/** An array is the batch; an empty response (`""`, `{}`, `[]`, `null`, nothing) is no item; any other value is one item. */
function parseEnrichmentResponse(text: string): unknown[] {
  if (text.trim() === '') {
    return [];
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [text];
  }
  const empty = value === null || value === ''
    || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0);
  if (empty) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

const queueUrls = new WeakMap<SQSClient, Map<string, Promise<string>>>();

/** The URL of a queue from its ARN (`arn:partition:sqs:region:account:name`), with `GetQueueUrl`. */
export async function queueUrlOf(sqs: SQSClient, queueArn: string): Promise<string> {
  let cache = queueUrls.get(sqs);
  if (!cache) {
    cache = new Map();
    queueUrls.set(sqs, cache);
  }
  let url = cache.get(queueArn);
  if (!url) {
    const [, , service, , account, name] = queueArn.split(':');
    if (service !== 'sqs' || !name) {
      throw new Error(`${queueArn} is not an SQS queue ARN`);
    }
    url = sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then(r => r.QueueUrl!);
    url.catch(() => cache!.delete(queueArn));
    cache.set(queueArn, url);
  }
  return url;
}

function dynamicParameter(value: string | undefined, item: unknown, what: string): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!value.startsWith('$')) {
    return value;
  }
  const found = select(item, parseJsonPath(value, what));
  if (!found.found || found.value === null || typeof found.value === 'object') {
    throw new Error(`${what} ${value} selects no string in the item`);
  }
  return String(found.value);
}

/**
 * Runs the target stage: applies the target input template to each item and sends them to the
 * queue with one `SendMessageBatch`. No items: the target is not invoked.
 * @throws PipeStageError (`TARGET`) for more than 10 items, a failed transformation or a send that failed for any entry
 */
export async function sendToTarget(pipe: PipeDefinition, clients: PipeClients, items: readonly unknown[], options: PathOptions = {}): Promise<void> {
  const report = options.report ?? (() => undefined);
  report('TARGET_STAGE_ENTERED');
  if (items.length === 0) {
    report('TARGET_INVOCATION_SKIPPED');
    report('TARGET_STAGE_SKIPPED');
    return;
  }
  const fail = (step: 'TARGET_TRANSFORMATION_FAILED' | 'TARGET_INVOCATION_FAILED' | 'TARGET_INVOCATION_PARTIALLY_FAILED' | undefined, message: string, extra: object = {}): never => {
    if (step) {
      report(step, { ...extra, error: { message, awsService: step === 'TARGET_TRANSFORMATION_FAILED' ? undefined : 'sqs' } });
    }
    report('TARGET_STAGE_FAILED', { error: { message } });
    throw new PipeStageError('TARGET', message);
  };
  if (items.length > SQS_TARGET_BATCH_LIMIT) {
    fail(undefined, `The enrichment returned ${items.length} items; an SQS target takes at most ${SQS_TARGET_BATCH_LIMIT} per execution, so the target was not invoked`);
  }
  let entries: SendMessageBatchRequestEntry[];
  try {
    const sqs = pipe.target;
    const transform = sqs.inputTemplate === undefined ? undefined : template(sqs.inputTemplate, 'TargetParameters.InputTemplate');
    if (transform) report('TARGET_TRANSFORMATION_STARTED');
    const vars = variables(pipe);
    entries = items.map((item, index) => {
      const body = transform ? transform.apply(item, vars) : item;
      return {
        Id: String(index),
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        MessageGroupId: dynamicParameter(sqs.messageGroupId, item, 'SqsQueueParameters.MessageGroupId'),
        MessageDeduplicationId: dynamicParameter(sqs.messageDeduplicationId, item, 'SqsQueueParameters.MessageDeduplicationId'),
      };
    });
    if (transform) report('TARGET_TRANSFORMATION_SUCCEEDED', { payload: entries.map(e => e.MessageBody) });
  } catch (error) {
    return fail('TARGET_TRANSFORMATION_FAILED', `Target input transformation failed: ${(error as Error).message}`);
  }
  report('TARGET_INVOCATION_STARTED');
  let queueUrl: string;
  let response;
  try {
    queueUrl = await queueUrlOf(clients.sqs, pipe.target.queueArn);
    response = await clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }), { abortSignal: options.abortSignal });
  } catch (error) {
    return fail('TARGET_INVOCATION_FAILED', `SendMessageBatch to ${pipe.target.queueArn} failed: ${(error as Error).message}`, { awsRequest: { Entries: entries } });
  }
  const failed = response.Failed ?? [];
  if (failed.length > 0) {
    const step = failed.length === entries.length ? 'TARGET_INVOCATION_FAILED' : 'TARGET_INVOCATION_PARTIALLY_FAILED';
    fail(step, `SendMessageBatch to ${pipe.target.queueArn} failed for ${failed.length} of ${entries.length} messages: ${failed.map(f => `${f.Code}: ${f.Message}`).join('; ')}`,
      { awsRequest: { Entries: entries }, awsResponse: response });
  }
  report('TARGET_INVOCATION_SUCCEEDED', { awsRequest: { Entries: entries }, awsResponse: { Successful: response.Successful } });
  report('TARGET_STAGE_SUCCEEDED', { payload: entries.map(e => e.MessageBody) });
}
