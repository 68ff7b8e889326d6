/**
 * The SQS queue target stage, shared by the local pipe runner and the replay tool.
 *
 * - Target: the enrichment may return a shorter or longer array, "However, if the array is larger than
 *   the batch size supported by the target, the pipe won't invoke the target": more than 10 items for
 *   an SQS queue fails the target stage (batching page; whether it fails or succeeds without the
 *   target is a point where AWS is silent, `enrichment-too-many-items`). Items go through
 *   `TargetParameters.InputTemplate` one at a time and are sent with one `SendMessageBatch`; items that
 *   would be empty messages are not sent (`enrichment-empty-item`). `MessageGroupId` and
 *   `MessageDeduplicationId` are a static value or a JSON path evaluated on the item before its input
 *   transformation ("Dynamic path parameters can't reference new or transformed values resulting from
 *   input transformation", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-target.html).
 *   A `SendMessageBatch` that fails for some entries fails the target stage and names the refused items
 *   (`failedItems`), so that the runner retries only "the remainder of the payload" (batching page).
 */
import { GetQueueUrlCommand, SendMessageBatchCommand, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { parseArn } from '../../cloudformation/arn';
import { PipeDefinition, SQS_TARGET_BATCH_SIZE_LIMIT } from '../../pipe/definition';
import { cachedTemplate, parseJsonPath, pipeVariables, select } from '../../pipe/input-template';
import { describeError, isInternalFailure, PipeClients, PipeStageError, PipeStageErrorOptions, StageOptions, TargetResult } from '../stage';
import { DEFAULT_READINGS, UnspecifiedBehaviourError, UnspecifiedId, UnspecifiedReporter } from '../unspecified';

/** Most entries one `SendMessageBatch` accepts, and so the most items an SQS target takes per execution. */
export const SQS_TARGET_BATCH_LIMIT = SQS_TARGET_BATCH_SIZE_LIMIT;

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
    const { service, accountId, resource } = parseArn(queueArn);
    if (service !== 'sqs' || !resource) {
      throw new Error(`${queueArn} is not an SQS queue ARN`);
    }
    url = sqs.send(new GetQueueUrlCommand({ QueueName: resource, QueueOwnerAWSAccountId: accountId })).then(r => r.QueueUrl!);
    url.catch(() => cache!.delete(queueArn));
    cache.set(queueArn, url);
  }
  return url;
}

/**
 * A static value, or the value a JSON path selects in the item. A path that selects nothing (or an
 * object) is a point where AWS is silent (`group-id-path-selects-nothing`,
 * `deduplication-id-path-selects-nothing`): the transformation fails.
 */
function dynamicParameter(
  value: string | undefined, item: unknown, what: string, point: UnspecifiedId, unspecified: UnspecifiedReporter,
): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!value.startsWith('$')) {
    return value;
  }
  const found = select(item, parseJsonPath(value, what));
  if (!found.found || found.value === null || typeof found.value === 'object') {
    const problem = `${what} ${value} selects no string in the item`;
    unspecified(point, `${problem}; the target transformation fails`);
    throw new Error(problem);
  }
  return String(found.value);
}

/** An item that would be a message with an empty body, which SQS refuses ("The minimum size is one character"). */
function isEmptyItem(item: unknown): boolean {
  return item === '' || item === null;
}

/**
 * Runs the target stage: applies the target input template to each item and sends them to the
 * queue with one `SendMessageBatch`. No items: the target is not invoked.
 * @throws PipeStageError (`TARGET`) for more than 10 items (reading `fail-execution`), a failed transformation or
 *   a send that failed for any entry (`failedItems` names the refused items by position)
 */
export async function sendToTarget(
  pipe: PipeDefinition, clients: PipeClients, items: readonly unknown[], options: StageOptions = {},
): Promise<TargetResult> {
  const report = options.report ?? (() => undefined);
  const unspecified = options.unspecified ?? (() => undefined);
  const readings = { ...DEFAULT_READINGS, ...options.readings };
  const skip = (): TargetResult => {
    report('TARGET_INVOCATION_SKIPPED');
    report('TARGET_STAGE_SKIPPED');
    return { invoked: false, sent: 0 };
  };
  report('TARGET_STAGE_ENTERED');
  if (items.length === 0) {
    return skip();
  }
  const fail = (
    step: 'TARGET_TRANSFORMATION_FAILED' | 'TARGET_INVOCATION_FAILED' | 'TARGET_INVOCATION_PARTIALLY_FAILED' | undefined,
    message: string, extra: object = {}, errorOptions: PipeStageErrorOptions = {},
  ): never => {
    if (step) {
      report(step, { ...extra, error: { message, awsService: step === 'TARGET_TRANSFORMATION_FAILED' ? undefined : 'sqs' } });
    }
    report('TARGET_STAGE_FAILED', { error: { message } });
    throw new PipeStageError('TARGET', message, errorOptions);
  };
  if (items.length > SQS_TARGET_BATCH_LIMIT) {
    const skipping = readings['enrichment-too-many-items'] === 'skip-target';
    const problem = `The enrichment returned ${items.length} items; an SQS target takes at most ${SQS_TARGET_BATCH_LIMIT} per execution, so the target was not invoked`;
    unspecified('enrichment-too-many-items', `${problem}; the execution ${skipping ? 'ends without invoking the target (reading skip-target)' : 'fails (reading fail-execution)'}`);
    if (skipping) {
      return skip();
    }
    fail(undefined, problem);
  }
  // Items that would be empty messages are not sent (where AWS is silent: enrichment-empty-item). Entry ids
  // keep the item's position, so that a refused entry maps back to its item.
  const empties = items.filter(isEmptyItem).length;
  if (empties > 0) {
    unspecified('enrichment-empty-item', `${empties} of the enrichment's ${items.length} items ${empties === 1 ? 'is' : 'are'} an empty string or null; not sent as empty messages`);
    if (empties === items.length) {
      return skip();
    }
  }
  let entries: SendMessageBatchRequestEntry[];
  try {
    const sqs = pipe.target;
    const transform = sqs.inputTemplate === undefined ? undefined : cachedTemplate(sqs.inputTemplate, 'TargetParameters.InputTemplate');
    if (transform) report('TARGET_TRANSFORMATION_STARTED');
    const vars = pipeVariables(pipe);
    entries = items.flatMap((item, index) => {
      if (isEmptyItem(item)) return [];
      const body = transform ? transform.apply(item, vars) : item;
      return [{
        Id: String(index),
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        MessageGroupId: dynamicParameter(sqs.messageGroupId, item, 'SqsQueueParameters.MessageGroupId', 'group-id-path-selects-nothing', unspecified),
        MessageDeduplicationId: dynamicParameter(sqs.messageDeduplicationId, item, 'SqsQueueParameters.MessageDeduplicationId', 'deduplication-id-path-selects-nothing', unspecified),
      }];
    });
    if (transform) report('TARGET_TRANSFORMATION_SUCCEEDED', { payload: entries.map(e => e.MessageBody) });
  } catch (error) {
    if (error instanceof UnspecifiedBehaviourError) {
      report('TARGET_TRANSFORMATION_FAILED', { error: { message: error.message } });
      report('TARGET_STAGE_FAILED', { error: { message: error.message } });
      throw error;
    }
    return fail('TARGET_TRANSFORMATION_FAILED', `Target input transformation failed: ${(error as Error).message}`);
  }
  report('TARGET_INVOCATION_STARTED');
  let queueUrl: string;
  let response;
  try {
    queueUrl = await queueUrlOf(clients.sqs, pipe.target.queueArn);
    response = await clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }), { abortSignal: options.abortSignal });
  } catch (error) {
    // The queue unreachable or failing on its side is a pipe internal error; a refused request is the customer's.
    return fail('TARGET_INVOCATION_FAILED', `SendMessageBatch to ${pipe.target.queueArn} failed: ${describeError(error)}`,
      { awsRequest: { Entries: entries } }, { internal: isInternalFailure(error) });
  }
  const failed = response.Failed ?? [];
  if (failed.length > 0) {
    const step = failed.length === entries.length ? 'TARGET_INVOCATION_FAILED' : 'TARGET_INVOCATION_PARTIALLY_FAILED';
    const failedItems = failed.map(f => ({ index: Number(f.Id), message: `${f.Code}: ${f.Message}` }));
    // SenderFault false: SQS failed the entry on its side (internal); true: it refused the entry (the customer's).
    const internal = failed.every(f => f.SenderFault === false);
    fail(step, `SendMessageBatch to ${pipe.target.queueArn} failed for ${failed.length} of ${entries.length} messages: ${failed.map(f => `${f.Code}: ${f.Message}`).join('; ')}`,
      { awsRequest: { Entries: entries }, awsResponse: response },
      { internal, failedItems, itemCount: items.length, sent: entries.length - failed.length });
  }
  report('TARGET_INVOCATION_SUCCEEDED', { awsRequest: { Entries: entries }, awsResponse: { Successful: response.Successful } });
  report('TARGET_STAGE_SUCCEEDED', { payload: entries.map(e => e.MessageBody) });
  return { invoked: true, sent: entries.length };
}
