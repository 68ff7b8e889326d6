/**
 * Metrics and alarms of an enriched-stream-to-queue pipeline, kept apart from the construct's wiring
 * (as cdk-monitoring-constructs keeps its metric and alarm factories): `PipeMetrics` makes the
 * pipe's and the queues' metrics, `createPipeAlarms` the alarms on them. The construct's public
 * `metricX()` methods delegate here.
 *
 * Pipes metrics: namespace `AWS/EventBridge/Pipes`, dimension `PipeName`
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-monitoring.html).
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** What the metrics watch. */
export interface PipeMetricsSubjects {
  /** The pipe's name (a token for a generated name). */
  readonly pipeName: string;
  /** The queue that receives the enriched records. */
  readonly queue: sqs.IQueue;
  /** The pipe's source dead-letter queue. */
  readonly sourceDeadLetterQueue: sqs.IQueue;
  /** The dead-letter queue of a target queue the construct created. */
  readonly targetDeadLetterQueue?: sqs.IQueue;
}

/** Makes the metrics of one pipeline: sums over 5 minutes unless said otherwise. */
export class PipeMetrics {
  constructor(private readonly subjects: PipeMetricsSubjects) {}

  /** Any metric of the pipe, namespace `AWS/EventBridge/Pipes`, dimension `PipeName`; sum over 5 minutes. */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/EventBridge/Pipes',
      metricName,
      dimensionsMap: { PipeName: this.subjects.pipeName },
      statistic: cloudwatch.Stats.SUM,
      ...props,
    });
  }

  /** How long an execution takes, in milliseconds; average over 5 minutes. */
  public duration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Duration', { statistic: cloudwatch.Stats.AVERAGE, ...props });
  }

  /** The age of the oldest message on the target queue, in seconds; maximum over 5 minutes. */
  public queueOldestMessageAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.subjects.queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** Messages waiting on the source dead-letter queue; maximum over 5 minutes. */
  public sourceDeadLetterMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.subjects.sourceDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }

  /** Messages waiting on the target queue's dead-letter queue, if the construct created it; maximum over 5 minutes. */
  public targetDeadLetterMessages(props?: cloudwatch.MetricOptions): cloudwatch.Metric | undefined {
    return this.subjects.targetDeadLetterQueue?.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, ...props });
  }
}

/**
 * Creates, in `scope`, the alarms that fire on a single failure: pipe executions that failed,
 * messages on the source dead-letter queue, and (when the construct created the target queue)
 * messages on its dead-letter queue. Their construct ids are published: do not rename them.
 */
export function createPipeAlarms(scope: Construct, metrics: PipeMetrics, actions: cloudwatch.IAlarmAction[]): cloudwatch.IAlarm[] {
  const atLeastOne = {
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
  const alarms: cloudwatch.IAlarm[] = [];
  const add = (id: string, metric: cloudwatch.IMetric, alarmDescription: string) => {
    const alarm = new cloudwatch.Alarm(scope, id, { metric, alarmDescription, ...atLeastOne });
    alarm.addAlarmAction(...actions);
    alarms.push(alarm);
  };
  add('ExecutionFailedAlarm', metrics.metric('ExecutionFailed'),
    'The pipe failed to process a batch; it retries, then sends the batch description to the source dead-letter queue.');
  add('SourceDeadLetterAlarm', metrics.sourceDeadLetterMessages(),
    'A batch exhausted its retries: replay its records from the stream within 24 hours (README, runbook).');
  const targetDeadLetters = metrics.targetDeadLetterMessages();
  if (targetDeadLetters) {
    add('DeadLetterAlarm', targetDeadLetters,
      'A consumer of the queue failed to process a message repeatedly; it is on the dead-letter queue.');
  }
  return alarms;
}
