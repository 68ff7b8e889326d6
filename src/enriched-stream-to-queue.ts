import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as sources from '@aws-cdk/aws-pipes-sources-alpha';
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DynamoDBStreamFilter } from './dynamodb-stream-filter';
import { LambdaEnrichment } from './lambda-enrichment';
import { createPipeAlarms, PipeMetrics } from './pipe-metrics';
import { suppressNag } from './private/cdk-nag';
import { DynamoDBStreamSource, SqsQueueTarget } from './private/least-privilege';
import { PIPES_LIMITS } from './private/pipes-limits';
import { validateEnrichment, validateInputTemplates } from './private/validate-enrichment';
import { validateFilter } from './private/validate-filter';
import { validateLogging } from './private/validate-logging';
import { validateOperations } from './private/validate-operations';
import { validatePipe } from './private/validate-pipe';
import { validateQueues, validateTargetQueue } from './private/validate-queues';
import { validateShapes } from './private/validate-shapes';
import { validateSource, validateStreamRegion, warnWithoutNewImage } from './private/validate-source';

/**
 * Properties for an `EnrichedStreamToQueue`.
 */
export interface EnrichedStreamToQueueProps {
  /**
   * The table whose stream feeds the pipe: a `Table`, a `TableV2`, or an imported table.
   *
   * The table must have a stream: `stream` on a `Table`, `dynamoStream` on a `TableV2`,
   * `tableStreamArn` on an imported table. Choose a view type with the new image
   * (`NEW_IMAGE` or `NEW_AND_OLD_IMAGES`) so that the enrichment sees the item.
   */
  readonly table: dynamodb.ITable;

  /**
   * The Lambda function that enriches each batch of records.
   *
   * It receives the filtered batch as a JSON array of DynamoDB stream records and returns an array
   * (at most 10 items: more and the pipe does not invoke the target) whose items become messages.
   * Shorthand for `enrichment: new LambdaEnrichment(enrichmentFunction)`.
   * Give exactly one of `enrichmentFunction` and `enrichment`.
   *
   * @default - none: `enrichment` must be given
   */
  readonly enrichmentFunction?: lambda.IFunction;

  /**
   * Any pipes enrichment: a `LambdaEnrichment` with an input transformation, or your own
   * `IEnrichment` for a Step Functions state machine, an API destination or an API Gateway.
   * Give exactly one of `enrichmentFunction` and `enrichment`.
   *
   * @default - none: `enrichmentFunction` must be given
   *
   * @example
   * // Only what the function needs: the key of the new item.
   * new EnrichedStreamToQueue(this, 'Reminders', {
   *   table,
   *   enrichment: new LambdaEnrichment(enrichFunction, {
   *     inputTransformation: pipes.InputTransformation.fromObject({ id: '<$.dynamodb.Keys.id.S>' }),
   *   }),
   * });
   */
  readonly enrichment?: pipes.IEnrichment;

  /**
   * Which stream records reach the enrichment. Filtering happens before enrichment, so records
   * that are filtered out cost neither a pipe request nor an enrichment invocation.
   * The construct refuses patterns that EventBridge Pipes would reject (see
   * `testing.EventPattern.validateFilter`), a filter without patterns (it would pass every record),
   * and a filter that can never match a record of the table's stream (see
   * `testing.EventPattern.lintFilter`: no type key, `numeric` on an `N` value, `insert` instead of
   * `INSERT`, `OldImage` where only INSERT records pass, an image the stream does not carry, a type
   * key that contradicts the key schema). A dead part of a filter that can still match is a warning.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-event-filtering.html
   * @default - INSERT records only (`DynamoDBStreamFilter.inserts()`, an exact `eventName` match)
   *
   * @example
   * // New bookings for December 2026 only.
   * new EnrichedStreamToQueue(this, 'Reminders', {
   *   table,
   *   enrichmentFunction,
   *   filter: DynamoDBStreamFilter.insertsWhere([
   *     AttributeCondition.stringPrefix('appointment.date', '2026-12'),
   *   ]),
   * });
   */
  readonly filter?: pipes.IFilter;

  /**
   * Where in the stream the pipe starts reading when it is created.
   *
   * @default DynamoDBStartingPosition.LATEST
   */
  readonly startingPosition?: sources.DynamoDBStartingPosition;

  /**
   * The largest batch of records that the pipe reads, enriches and sends at once, from 1 to 10
   * (an SQS target takes at most 10 messages per batch).
   *
   * @default 10
   */
  readonly batchSize?: number;

  /**
   * How long the pipe may wait to fill a batch, from 0 to 300 seconds.
   *
   * @default - no wait: records are sent as soon as they are read
   */
  readonly maximumBatchingWindow?: Duration;

  /**
   * Records older than this are sent to the source dead-letter queue instead of being processed,
   * from 60 seconds to 7 days.
   *
   * @default - no limit other than the stream's 24-hour retention
   */
  readonly maximumRecordAge?: Duration;

  /**
   * How many times the pipe retries a failed batch before sending its description to the source
   * dead-letter queue, from 0 to 10000. The service's own default retries until the record
   * leaves the stream, which blocks the shard behind one poison record for up to 24 hours.
   * Internal errors of the service are retried without counting against this limit; set
   * `maximumRecordAge` to bound them too.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html
   * @default 3
   *
   * @example
   * // Give up on a batch after 5 tries or 6 hours, whichever comes first.
   * new EnrichedStreamToQueue(this, 'Reminders', {
   *   table,
   *   enrichmentFunction,
   *   maximumRetryAttempts: 5,
   *   maximumRecordAge: Duration.hours(6),
   * });
   */
  readonly maximumRetryAttempts?: number;

  /**
   * How the pipe retries a failed batch. The Pipes API reference describes `AUTOMATIC_BISECT` as
   * halving each batch and retrying each half until all records are processed or one failed
   * record is left; the Pipes batching page documents partial batch failures as reported by a
   * target. Neither says how bisection treats a failing enrichment, which cannot report partial
   * failures: count on the whole batch being retried, and make the enrichment idempotent.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceDynamoDBStreamParameters.html
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html
   * @default OnPartialBatchItemFailure.AUTOMATIC_BISECT
   */
  readonly onPartialBatchItemFailure?: sources.OnPartialBatchItemFailure;

  /**
   * How many batches of each shard the pipe processes at once, from 1 to 10. Above 1, the queue
   * may receive the records of one shard out of stream order.
   *
   * @default 1
   */
  readonly parallelizationFactor?: number;

  /**
   * The queue that receives a description (shard, sequence numbers) of each batch that exhausted
   * its retries. It must be a standard queue. The records themselves stay readable in the stream
   * for 24 hours: see the README's runbook to replay them. Import a KMS-encrypted queue with its
   * key (`Queue.fromQueueAttributes({ queueArn, keyArn })`).
   *
   * @default - a new encrypted, TLS-only queue with 14 days' retention
   */
  readonly sourceDeadLetterQueue?: sqs.IQueue;

  /**
   * The queue that receives the enriched records. For a FIFO queue, `messageGroupId` is required.
   * An imported queue encrypted with a KMS key must be imported with its key
   * (`Queue.fromQueueAttributes({ queueArn, keyArn })`), so that the pipe's role may use the key.
   *
   * @default - a new encrypted, TLS-only queue with its own dead-letter queue (see `maxReceiveCount`)
   *
   * @example
   * // A FIFO queue of your own: one message group per item, SQS deduplicates by content.
   * const orders = new sqs.Queue(this, 'Orders', { fifo: true, contentBasedDeduplication: true, enforceSSL: true });
   * new EnrichedStreamToQueue(this, 'Orders', {
   *   table,
   *   enrichmentFunction,
   *   queue: orders,
   *   messageGroupId: '$.id',
   * });
   */
  readonly queue?: sqs.IQueue;

  /**
   * The KMS key that encrypts the queues this construct creates (not a queue you pass in).
   *
   * @default - SQS-managed server-side encryption (SSE-SQS)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How many times a consumer may receive a message of the created queue before it moves to that
   * queue's dead-letter queue, from 1 to 1000. Applies only when this construct creates the queue.
   *
   * @default 5
   */
  readonly maxReceiveCount?: number;

  /**
   * The message group of each message: a static value or a dynamic path such as `$.id` (a path
   * into what the enrichment returns), at most 100 characters. Required, and not empty, for a FIFO
   * target queue. The Pipes API reference describes it as the FIFO message group; SQS fair queues
   * also group the messages of a standard queue by it, but the Pipes documentation does not say
   * that a pipe sets it on a standard queue, so do not rely on that.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeTargetSqsQueueParameters.html
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html
   * @default - none (a FIFO queue requires one)
   */
  readonly messageGroupId?: string;

  /**
   * The deduplication id of each message, for a FIFO target queue without content-based
   * deduplication, at most 100 characters. Refused for a standard queue. For a FIFO queue created in
   * this app without `contentBasedDeduplication`, it is required: SQS refuses every message that has
   * neither.
   *
   * @default - none: content-based deduplication, if the FIFO queue has it
   */
  readonly messageDeduplicationId?: string;

  /**
   * Reshape each enriched item before it is sent to the queue.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-input-transformation.html
   * @default - each item the enrichment returns is sent as it is
   */
  readonly targetInputTransformation?: pipes.IInputTransformation;

  /**
   * The name of the pipe: 1 to 64 letters, digits, `.`, `-` and `_`.
   *
   * @default - a name generated by CloudFormation
   */
  readonly pipeName?: string;

  /**
   * The description of the pipe: one line of at most 512 characters.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * Whether the pipe runs once deployed. A stopped pipe keeps its place in the stream; records
   * older than 24 hours are lost, so do not leave it stopped for longer.
   *
   * @default DesiredState.RUNNING
   */
  readonly desiredState?: pipes.DesiredState;

  /**
   * How much the pipe logs. `LogLevel.OFF` creates no log group.
   *
   * @default LogLevel.ERROR
   *
   * @example
   * new EnrichedStreamToQueue(this, 'Reminders', {
   *   table,
   *   enrichmentFunction,
   *   logLevel: pipes.LogLevel.INFO,
   *   logRetention: logs.RetentionDays.ONE_WEEK,
   * });
   */
  readonly logLevel?: pipes.LogLevel;

  /**
   * Which execution data the log records include. Execution data holds the records themselves,
   * which are often personal data: opt in knowingly.
   *
   * @default - none: logs hold no payloads
   */
  readonly logIncludeExecutionData?: pipes.IncludeExecutionData[];

  /**
   * The log group the pipe writes to.
   *
   * @default - a new log group, kept for `logRetention`
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * How long the created log group keeps the pipe's logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The role the pipe assumes. The construct adds to it what the pipe needs (stream read,
   * enrichment invoke, sending to both queues, log writes), as statements of its default policy.
   * Its trust policy is yours: it must let `pipes.amazonaws.com` assume it. A role imported with
   * `mutable: false` takes no statements: grant it the permissions yourself.
   *
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html
   * @default - a new role that only EventBridge Pipes of this account may assume
   *
   * @example
   * const role = new iam.Role(this, 'PipeRole', {
   *   assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com'),
   *   permissionsBoundary: boundary,
   * });
   * new EnrichedStreamToQueue(this, 'Reminders', { table, enrichmentFunction, role });
   */
  readonly role?: iam.IRole;

  /**
   * Whether to create the alarms: pipe execution failures, messages on the source dead-letter
   * queue, and messages on the created queue's dead-letter queue. Each fires on a single failure.
   *
   * @default true
   */
  readonly createAlarms?: boolean;

  /**
   * Actions for every alarm this construct creates, such as an `SnsAction`.
   *
   * @default - no actions: the alarms only change state
   *
   * @example
   * const pager = new sns.Topic(this, 'Pager');
   * new EnrichedStreamToQueue(this, 'Reminders', {
   *   table,
   *   enrichmentFunction,
   *   alarmActions: [new actions.SnsAction(pager)],
   * });
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];
}

/**
 * A DynamoDB table's stream, through an EventBridge pipe with a filter and an enrichment, into an
 * SQS queue. Safe by default: INSERT records only, finite retries into a source dead-letter queue,
 * encrypted TLS-only queues, a least-privilege role, logs without payloads, and alarms.
 *
 * @example
 * new EnrichedStreamToQueue(this, 'Reminders', {
 *   table: appointments,
 *   enrichmentFunction: getContactDetails,
 * });
 */
export class EnrichedStreamToQueue extends Construct {
  /**
   * The pipe.
   */
  public readonly pipe: pipes.Pipe;

  /**
   * The queue that receives the enriched records: the one passed in, or the one created.
   */
  public readonly queue: sqs.IQueue;

  /**
   * The role the pipe assumes.
   */
  public readonly pipeRole: iam.IRole;

  /**
   * The queue that receives descriptions of batches that exhausted their retries.
   */
  public readonly sourceDeadLetterQueue: sqs.IQueue;

  /**
   * The dead-letter queue of the target queue this construct created, where messages go that a
   * consumer of the target queue failed to process `maxReceiveCount` times; undefined when a queue
   * was passed in as `queue`. (Batches that the pipe failed to deliver go to `sourceDeadLetterQueue`.)
   */
  public readonly targetDeadLetterQueue?: sqs.IQueue;

  /**
   * The log group the pipe writes to; undefined when logging is off.
   */
  public readonly logGroup?: logs.ILogGroup;

  private readonly metrics: PipeMetrics;
  private readonly createdAlarms: cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: EnrichedStreamToQueueProps) {
    super(scope, id);
    validateShapes(this, props);
    validateSource(this, props);
    validateEnrichment(this, props);
    validatePipe(this, props);
    validateQueues(this, props);
    validateLogging(this, props);
    validateOperations(this, props);
    validateFilter(this, props.filter, props.table);

    const encryption = props.encryptionKey ? sqs.QueueEncryption.KMS : sqs.QueueEncryption.SQS_MANAGED;
    const queueDefaults: sqs.QueueProps = {
      encryption,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
    };

    this.sourceDeadLetterQueue = props.sourceDeadLetterQueue ?? new sqs.Queue(this, 'SourceDeadLetterQueue', {
      ...queueDefaults,
      retentionPeriod: Duration.days(14),
    });
    if (!props.sourceDeadLetterQueue) {
      suppressNag(this.sourceDeadLetterQueue, 'AwsSolutions-SQS3',
        'This queue is the pipe\'s source dead-letter queue: it receives batch descriptions from the pipe, not messages from a redrive policy, and has no consumer that could fail.');
    }

    if (props.queue) {
      this.queue = props.queue;
    } else {
      const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
        ...queueDefaults,
        retentionPeriod: Duration.days(14),
      });
      this.targetDeadLetterQueue = deadLetterQueue;
      this.queue = new sqs.Queue(this, 'Queue', {
        ...queueDefaults,
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
      });
    }
    validateTargetQueue(this, this.queue, props);
    validateStreamRegion(this, props.table);

    const role = props.role ?? new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('pipes.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
      description: 'Reads a DynamoDB stream, invokes the enrichment and sends to SQS for an EventBridge pipe',
    });
    this.pipeRole = role;

    const logLevel = props.logLevel ?? pipes.LogLevel.ERROR;
    if (logLevel !== pipes.LogLevel.OFF) {
      this.logGroup = props.logGroup ?? new logs.LogGroup(this, 'LogGroup', {
        retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      });
    }

    const source = new DynamoDBStreamSource(props.table, this.sourceDeadLetterQueue, {
      startingPosition: props.startingPosition ?? sources.DynamoDBStartingPosition.LATEST,
      batchSize: props.batchSize ?? PIPES_LIMITS.batchSizeWithSqsTarget.max,
      maximumBatchingWindow: props.maximumBatchingWindow,
      maximumRecordAge: props.maximumRecordAge,
      maximumRetryAttempts: props.maximumRetryAttempts ?? 3,
      onPartialBatchItemFailure: props.onPartialBatchItemFailure ?? sources.OnPartialBatchItemFailure.AUTOMATIC_BISECT,
      parallelizationFactor: props.parallelizationFactor,
    });

    warnWithoutNewImage(this, props.table);

    this.pipe = new pipes.Pipe(this, 'Resource', {
      source,
      filter: props.filter ?? DynamoDBStreamFilter.inserts(),
      enrichment: props.enrichment ?? new LambdaEnrichment(props.enrichmentFunction!),
      target: new SqsQueueTarget(this.queue, {
        messageGroupId: props.messageGroupId,
        messageDeduplicationId: props.messageDeduplicationId,
        inputTransformation: props.targetInputTransformation,
      }),
      role,
      pipeName: props.pipeName,
      description: props.description,
      desiredState: props.desiredState,
      logLevel,
      logIncludeExecutionData: props.logIncludeExecutionData,
      logDestinations: this.logGroup ? [new pipes.CloudwatchLogsLogDestination(this.logGroup)] : undefined,
    });

    validateInputTemplates(this, this.pipe);

    // A pipe created before its role's policy fails to deploy now and then (aws-cdk issue 31211).
    this.pipe.node.defaultChild!.node.addDependency(role);

    // dynamodb:ListStreams has no resource-level permissions; every other statement names its resource.
    suppressNag(role, 'AwsSolutions-IAM5',
      'dynamodb:ListStreams has no resource-level permissions (Service Authorization Reference for DynamoDB), so it is granted on *; '
      + 'DescribeStream, GetRecords and GetShardIterator are scoped to the table\'s stream ARN.',
      ['Resource::*']);

    this.metrics = new PipeMetrics({
      pipeName: this.pipe.pipeName,
      queue: this.queue,
      sourceDeadLetterQueue: this.sourceDeadLetterQueue,
      targetDeadLetterQueue: this.targetDeadLetterQueue,
    });
    this.createdAlarms = (props.createAlarms ?? true) ? createPipeAlarms(this, this.metrics, props.alarmActions ?? []) : [];
  }

  /**
   * The alarms this construct created (none when `createAlarms` is false).
   */
  public get alarms(): cloudwatch.IAlarm[] {
    return [...this.createdAlarms];
  }

  /**
   * A metric of the pipe, namespace `AWS/EventBridge/Pipes`, dimension `PipeName`.
   *
   * @param metricName for example `Invocations`, `ExecutionFailed`, `Duration`
   * @default - sum over 5 minutes
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.metric(metricName, props);
  }

  /**
   * Executions of the pipe that failed (after retries were counted).
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionFailed', props);
  }

  /**
   * Executions of the pipe that were throttled.
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionThrottled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionThrottled', props);
  }

  /**
   * Executions of the pipe that timed out.
   *
   * @default - sum over 5 minutes
   */
  public metricExecutionTimeout(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ExecutionTimeout', props);
  }

  /**
   * Invocations of the enrichment that failed.
   *
   * @default - sum over 5 minutes
   */
  public metricEnrichmentStageFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('EnrichmentStageFailed', props);
  }

  /**
   * Deliveries to the queue that failed.
   *
   * @default - sum over 5 minutes
   */
  public metricTargetStageFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('TargetStageFailed', props);
  }

  /**
   * Invocations of the pipe (batches that passed the filter).
   *
   * @default - sum over 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', props);
  }

  /**
   * How long an execution of the pipe takes, in milliseconds.
   *
   * @default - average over 5 minutes
   */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.duration(props);
  }

  /**
   * The age of the oldest message on the target queue, in seconds: how far the reminder sender lags.
   *
   * @default - maximum over 5 minutes
   */
  public metricQueueOldestMessageAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.queueOldestMessageAge(props);
  }

  /**
   * Messages waiting on the source dead-letter queue: batches that exhausted their retries.
   *
   * @default - maximum over 5 minutes
   */
  public metricSourceDeadLetterMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metrics.sourceDeadLetterMessages(props);
  }

  /**
   * Messages waiting on the dead-letter queue of the target queue this construct created: messages
   * a consumer failed to process. Undefined when the queue was passed in as `queue`: its
   * dead-letter queue, if any, is not known to this construct.
   *
   * @default - maximum over 5 minutes
   *
   * @example
   * const reminders = new EnrichedStreamToQueue(this, 'Reminders', { table, enrichmentFunction });
   * const deadLetters = reminders.metricTargetDeadLetterMessages();
   * if (deadLetters) {
   *   dashboard.addWidgets(new cloudwatch.GraphWidget({ left: [deadLetters] }));
   * }
   */
  public metricTargetDeadLetterMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric | undefined {
    return this.metrics.targetDeadLetterMessages(props);
  }
}
