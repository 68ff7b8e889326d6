/**
 * What the fidelity kit (test/integ/fidelity) records about a pipe, and how a run adopts AWS's
 * answers from it. `npx projen integ:fidelity` deploys one small pipe per point where the AWS pages
 * are silent and writes what each real pipe did to `aws-results.json`; `readingsFromFidelity` turns
 * the observations of the points that have two plausible readings into the runner's `readings`, so a
 * local run follows what AWS was seen to do instead of the local guess.
 */
import { checkReadings, type UnspecifiedReadings } from './unspecified';

/** What one pipe did with its records. */
export interface FidelityObservation {
  /** Target queue message bodies (parsed when JSON), sorted; with the group id on a FIFO queue. */
  readonly target: readonly unknown[];
  /** Source dead-letter messages: their condition and batchSize. */
  readonly sourceDeadLetters: ReadonlyArray<{ readonly condition?: string; readonly batchSize?: number }>;
}

/** The file the kit writes. */
export interface FidelityResults {
  readonly target: 'aws' | 'local';
  readonly date: string;
  readonly observations: Readonly<Record<string, FidelityObservation>>;
}

/**
 * The readings AWS was observed to take, for the points the results settle. Only results recorded
 * against AWS settle anything: the local run's own results say what the local choice is.
 * @throws Error when the results were not recorded against AWS, or are not the kit's
 */
export function readingsFromFidelity(results: FidelityResults): UnspecifiedReadings {
  if (!results || typeof results.observations !== 'object' || results.observations === null) {
    throw new Error('fidelity results must be the JSON file test/integ/fidelity/run.ts writes ({target, date, observations})');
  }
  if (results.target !== 'aws') {
    throw new Error(`fidelity results recorded against '${results.target}' settle nothing: use the file 'npx projen integ:fidelity' records against AWS`);
  }
  const readings: { -readonly [K in keyof UnspecifiedReadings]: UnspecifiedReadings[K] } = {};
  // A batch of a good and a poison record whose enrichment fails: the good one delivered means the
  // batch was halved (test/integ/fidelity/experiments.ts, BisectOnEnrichmentFailure).
  const bisect = results.observations['enrichment-failure-bisect'];
  if (bisect) {
    readings['enrichment-failure-bisect'] = bisect.target.some(item => (item as { id?: string })?.id === 'good') ? 'bisect' : 'retry-whole-batch';
  }
  // Eleven items for one record: a dead letter means the execution failed; neither a message nor a
  // dead letter means it succeeded without invoking the target.
  const tooMany = results.observations['enrichment-too-many-items'];
  if (tooMany) {
    readings['enrichment-too-many-items'] = tooMany.sourceDeadLetters.length > 0 ? 'fail-execution' : 'skip-target';
  }
  checkReadings(readings);
  return readings;
}
