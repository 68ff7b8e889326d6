/**
 * Pipes-like execution log records. Which step is logged at which level, and which steps carry
 * execution data (`payload`, `awsRequest`, `awsResponse`) when `IncludeExecutionData` is `ALL`,
 * follow "Log Amazon EventBridge Pipes"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-logs.html); the record fields
 * follow the log schema reference
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-logs-schema.html).
 * Without `IncludeExecutionData` no record carries event data.
 */
import { randomUUID } from 'node:crypto';
import { PipeDefinition } from './definition';

/** The execution steps the local tools report. */
export type PipeExecutionStep =
  | 'EXECUTION_STARTED' | 'EXECUTION_SUCCEEDED' | 'EXECUTION_FAILED' | 'EXECUTION_TIMEOUT'
  | 'ENRICHMENT_STAGE_ENTERED' | 'ENRICHMENT_STAGE_SUCCEEDED' | 'ENRICHMENT_STAGE_FAILED'
  | 'ENRICHMENT_TRANSFORMATION_STARTED' | 'ENRICHMENT_TRANSFORMATION_SUCCEEDED' | 'ENRICHMENT_TRANSFORMATION_FAILED'
  | 'ENRICHMENT_INVOCATION_STARTED' | 'ENRICHMENT_INVOCATION_SUCCEEDED' | 'ENRICHMENT_INVOCATION_FAILED'
  | 'TARGET_STAGE_ENTERED' | 'TARGET_STAGE_SUCCEEDED' | 'TARGET_STAGE_FAILED' | 'TARGET_STAGE_SKIPPED'
  | 'TARGET_TRANSFORMATION_STARTED' | 'TARGET_TRANSFORMATION_SUCCEEDED' | 'TARGET_TRANSFORMATION_FAILED'
  | 'TARGET_INVOCATION_STARTED' | 'TARGET_INVOCATION_SUCCEEDED' | 'TARGET_INVOCATION_FAILED'
  | 'TARGET_INVOCATION_PARTIALLY_FAILED' | 'TARGET_INVOCATION_SKIPPED';

const LEVELS = { OFF: 0, ERROR: 1, INFO: 2, TRACE: 3 } as const;

/** The least detailed level at which each step is logged (the table on the logging page). */
const STEP_LEVEL: Record<PipeExecutionStep, 'ERROR' | 'INFO' | 'TRACE'> = {
  EXECUTION_STARTED: 'INFO',
  EXECUTION_SUCCEEDED: 'INFO',
  EXECUTION_FAILED: 'ERROR',
  EXECUTION_TIMEOUT: 'ERROR',
  ENRICHMENT_STAGE_ENTERED: 'INFO',
  ENRICHMENT_STAGE_SUCCEEDED: 'INFO',
  ENRICHMENT_STAGE_FAILED: 'ERROR',
  ENRICHMENT_TRANSFORMATION_STARTED: 'TRACE',
  ENRICHMENT_TRANSFORMATION_SUCCEEDED: 'TRACE',
  ENRICHMENT_TRANSFORMATION_FAILED: 'ERROR',
  ENRICHMENT_INVOCATION_STARTED: 'TRACE',
  ENRICHMENT_INVOCATION_SUCCEEDED: 'TRACE',
  ENRICHMENT_INVOCATION_FAILED: 'ERROR',
  TARGET_STAGE_ENTERED: 'INFO',
  TARGET_STAGE_SUCCEEDED: 'INFO',
  TARGET_STAGE_FAILED: 'ERROR',
  TARGET_STAGE_SKIPPED: 'TRACE',
  TARGET_TRANSFORMATION_STARTED: 'TRACE',
  TARGET_TRANSFORMATION_SUCCEEDED: 'TRACE',
  TARGET_TRANSFORMATION_FAILED: 'ERROR',
  TARGET_INVOCATION_STARTED: 'TRACE',
  TARGET_INVOCATION_SUCCEEDED: 'TRACE',
  TARGET_INVOCATION_FAILED: 'ERROR',
  TARGET_INVOCATION_PARTIALLY_FAILED: 'ERROR',
  TARGET_INVOCATION_SKIPPED: 'TRACE',
};

/** Steps whose records carry `payload` with execution data. */
const PAYLOAD_STEPS = new Set<PipeExecutionStep>([
  'EXECUTION_STARTED', 'ENRICHMENT_TRANSFORMATION_SUCCEEDED', 'ENRICHMENT_STAGE_SUCCEEDED',
  'TARGET_TRANSFORMATION_SUCCEEDED', 'TARGET_STAGE_SUCCEEDED',
]);
/** Steps whose records carry `awsRequest` and `awsResponse` with execution data. */
const REQUEST_STEPS = new Set<PipeExecutionStep>([
  'ENRICHMENT_INVOCATION_FAILED', 'ENRICHMENT_INVOCATION_SUCCEEDED', 'TARGET_INVOCATION_FAILED',
  'TARGET_INVOCATION_PARTIALLY_FAILED', 'TARGET_INVOCATION_SUCCEEDED',
]);

/** One log record (the schema reference's fields). */
export interface PipeLogRecord {
  readonly executionId: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly messageType: string;
  readonly resourceArn: string;
  readonly logLevel: 'ERROR' | 'INFO' | 'TRACE';
  readonly payload?: string;
  readonly awsRequest?: string;
  readonly awsResponse?: string;
  readonly error?: { readonly message: string; readonly awsService?: string };
  /** Local records only (`LocalRecordFiltered`): why the record was dropped. */
  readonly reason?: readonly string[];
}

/** Receives log records. */
export type PipeLogger = (record: PipeLogRecord) => void;

/** Writes each record as one JSON line to stderr. */
export const stderrLogger: PipeLogger = (record) => {
  process.stderr.write(`${JSON.stringify(record)}\n`);
};

/** What a step may report; the data fields are dropped unless the pipe includes execution data. */
export interface StepDetail {
  readonly payload?: unknown;
  readonly awsRequest?: unknown;
  readonly awsResponse?: unknown;
  readonly error?: { readonly message: string; readonly awsService?: string };
}

/** Reports the steps of one pipe execution. */
export type StepReporter = (step: PipeExecutionStep, detail?: StepDetail) => void;

function camel(step: PipeExecutionStep): string {
  return step.toLowerCase().split('_').map(w => w[0].toUpperCase() + w.slice(1)).join('');
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A reporter for one new execution of the pipe (a fresh `executionId`). */
export function executionReporter(pipe: PipeDefinition, logger: PipeLogger | undefined, pipeArn: string): StepReporter {
  const level = LEVELS[pipe.logging?.level ?? 'OFF'];
  const includeData = pipe.logging?.includeExecutionData ?? false;
  const executionId = randomUUID();
  return (step, detail = {}) => {
    const stepLevel = STEP_LEVEL[step];
    if (!logger || level === 0 || LEVELS[stepLevel] > level) {
      return;
    }
    const record: { -readonly [K in keyof PipeLogRecord]: PipeLogRecord[K] } = {
      executionId,
      timestamp: Date.now(),
      messageType: camel(step),
      resourceArn: pipeArn,
      logLevel: pipe.logging!.level as PipeLogRecord['logLevel'],
    };
    if (includeData && PAYLOAD_STEPS.has(step) && detail.payload !== undefined) {
      record.payload = text(detail.payload);
    }
    if (includeData && REQUEST_STEPS.has(step)) {
      if (detail.awsRequest !== undefined) record.awsRequest = text(detail.awsRequest);
      if (detail.awsResponse !== undefined) record.awsResponse = text(detail.awsResponse);
    }
    if (detail.error) {
      record.error = detail.error;
    }
    logger(record);
  };
}

/**
 * Logs a record the filter dropped, as a local record of type `LocalRecordFiltered` at level `TRACE`
 * (so only when the pipe logs at `TRACE`): Pipes itself logs nothing for filtered records, but
 * "why did my record not arrive" is the question the local run is there to answer. The record
 * itself is the `payload`, only with `IncludeExecutionData`.
 */
export function logFilteredRecord(
  pipe: PipeDefinition, logger: PipeLogger | undefined, pipeArn: string, record: unknown, reason: readonly string[],
): void {
  if (!logger || pipe.logging?.level !== 'TRACE') {
    return;
  }
  logger({
    executionId: randomUUID(),
    timestamp: Date.now(),
    messageType: 'LocalRecordFiltered',
    resourceArn: pipeArn,
    logLevel: 'TRACE',
    ...(pipe.logging.includeExecutionData ? { payload: text(record) } : {}),
    reason,
  });
}
