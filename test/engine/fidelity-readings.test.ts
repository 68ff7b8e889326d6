// The fidelity kit's AWS answers become the runner's readings (tools/engine/fidelity.ts): a local run
// can follow what real pipes were seen to do at the points where the AWS pages are silent.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FidelityResults, readingsFromFidelity } from '../../tools/engine/fidelity';
import { startLocalPipelines } from '../../tools/index';

const aws = (observations: FidelityResults['observations']): FidelityResults => ({ target: 'aws', date: '2026-12-03T00:00:00.000Z', observations });

test('a good record delivered from a failing batch means AWS bisects on an enrichment failure', () => {
  expect(readingsFromFidelity(aws({
    'enrichment-failure-bisect': { target: [{ id: 'good' }], sourceDeadLetters: [{ condition: 'RetryAttemptsExhausted', batchSize: 1 }] },
  }))).toEqual({ 'enrichment-failure-bisect': 'bisect' });
});

test('nothing delivered and the whole batch dead-lettered means AWS retries it whole', () => {
  expect(readingsFromFidelity(aws({
    'enrichment-failure-bisect': { target: [], sourceDeadLetters: [{ condition: 'RetryAttemptsExhausted', batchSize: 2 }] },
  }))).toEqual({ 'enrichment-failure-bisect': 'retry-whole-batch' });
});

test('too many items: a dead letter means the execution failed; neither message nor dead letter means it succeeded without the target', () => {
  expect(readingsFromFidelity(aws({ 'enrichment-too-many-items': { target: [], sourceDeadLetters: [{ condition: 'RetryAttemptsExhausted', batchSize: 1 }] } })))
    .toEqual({ 'enrichment-too-many-items': 'fail-execution' });
  expect(readingsFromFidelity(aws({ 'enrichment-too-many-items': { target: [], sourceDeadLetters: [] } })))
    .toEqual({ 'enrichment-too-many-items': 'skip-target' });
});

test('points the results do not hold keep the local choice', () => {
  expect(readingsFromFidelity(aws({ 'enrichment-null-result': { target: [], sourceDeadLetters: [] } }))).toEqual({});
});

test('the local run\'s own results settle nothing, and say which file to use', () => {
  const local = JSON.parse(readFileSync(path.join(__dirname, '..', 'integ', 'fidelity', 'local-results.json'), 'utf8')) as FidelityResults;
  expect(() => readingsFromFidelity(local)).toThrow(
    "fidelity results recorded against 'local' settle nothing: use the file 'npx projen integ:fidelity' records against AWS",
  );
});

test('a file that is not the kit\'s is refused', () => {
  expect(() => readingsFromFidelity({} as FidelityResults)).toThrow(
    'fidelity results must be the JSON file test/integ/fidelity/run.ts writes ({target, date, observations})',
  );
});

test('startLocalPipelines reads the file before it starts anything', async () => {
  await expect(startLocalPipelines({
    assemblyDir: path.join(__dirname, 'no-such-assembly'),
    fidelityResults: path.join(__dirname, '..', 'integ', 'fidelity', 'local-results.json'),
  })).rejects.toThrow("fidelity results recorded against 'local' settle nothing");
});
