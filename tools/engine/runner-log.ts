/**
 * The runner's own log: what happens to the runtime rather than in a pipe execution (a service that
 * cannot be reached, a shard that cannot be read, a dead-letter message that cannot be written, a
 * point where AWS is silent). It goes to the app's log whatever the pipe's `LogConfiguration` says:
 * the pipe's execution log (tools/pipe/execution-log.ts) holds only the execution steps Pipes logs,
 * and drops everything at level `OFF`.
 */

/** One record of the runner's log. */
export interface RunnerLogRecord {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly level: 'ERROR' | 'WARN' | 'INFO';
  /** The pipe's name. */
  readonly pipe: string;
  readonly message: string;
  /** The id of the unspecified point (unspecified.ts) the record is about, if any. */
  readonly unspecified?: string;
}

/** Receives the runner's log records. */
export type RunnerLog = (record: RunnerLogRecord) => void;

/** Writes each record as one JSON line to stderr. */
export const stderrRunnerLog: RunnerLog = (record) => {
  process.stderr.write(`${JSON.stringify(record)}\n`);
};
