// DESIGN (local run): backoff between retries is short by default locally, so that a batch exhausts
// its retries within 30 s, and configurable (the runner's `backoff` option overrides these).
import { defaultBackoff, DEFAULT_RETRY_PAUSE_BUDGET_MS } from '../../tools/engine/runner';

/** The pauses before retries 1..n, as the runner computes them. */
function pauses(retries: number): number[] {
  const { initialDelayMs, maxDelayMs, multiplier } = defaultBackoff(retries);
  return Array.from({ length: retries }, (_, index) => Math.min(maxDelayMs, initialDelayMs * multiplier ** index));
}
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

test('the construct\'s default of 3 retries pauses 100, 200 and 400 ms', () => {
  expect(pauses(3)).toEqual([100, 200, 400]);
});

test('many retries get a lower cap, so that all their pauses fit in the 25 s budget', () => {
  expect(defaultBackoff(180).maxDelayMs).toBe(138);
  expect(sum(pauses(180))).toBeLessThanOrEqual(DEFAULT_RETRY_PAUSE_BUDGET_MS);
  expect(sum(pauses(25))).toBeLessThanOrEqual(DEFAULT_RETRY_PAUSE_BUDGET_MS);
});

test('the cap never goes below 10 ms, and infinite retries (-1) keep the 1 s cap (record age bounds them)', () => {
  expect(defaultBackoff(10_000).maxDelayMs).toBe(10);
  expect(defaultBackoff(-1).maxDelayMs).toBe(1000);
  expect(defaultBackoff(0).maxDelayMs).toBe(1000);
});
