import * as fs from 'fs';
import * as path from 'path';
import { EventPattern } from '../src/testing/event-pattern';

/**
 * Runs every vector of test/fixtures/event-ruler/event-ruler-cases.json (derived from the aws/event-ruler
 * test suite, expectations confirmed by running event-ruler) through EventPattern.matches.
 */
interface RulerCase {
  readonly id: string;
  readonly operator: string;
  readonly operators: string[];
  readonly features: string[];
  readonly pattern: unknown;
  readonly event: unknown;
  readonly match: boolean;
  readonly caveats: string[];
  readonly note: string;
}

const cases: RulerCase[] = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'event-ruler', 'event-ruler-cases.json'), 'utf-8'),
);

/**
 * Cases that may be skipped, with the reason. Only cases that carry a caveat may appear here.
 * Empty: every case passes, including those with the `array-consistency`, `dotted-key` and
 * `non-canonical-number-lexeme` caveats (JSON.parse loses the lexeme, but none of these vectors
 * depends on it: equal values compare equal numerically, different values differ).
 */
const SKIPPED: Record<string, string> = {};

interface Tally { passed: number; skipped: number; total: number }
const tally = new Map<string, Tally>();
function count(operator: string, outcome: 'passed' | 'skipped' | 'failed'): void {
  const t = tally.get(operator) ?? { passed: 0, skipped: 0, total: 0 };
  t.total++;
  if (outcome !== 'failed') {
    t[outcome]++;
  }
  tally.set(operator, t);
}

test('the fixture holds the expected vectors', () => {
  expect(cases).toHaveLength(376);
  expect(new Set(cases.map(c => c.id)).size).toBe(cases.length);
});

test('only cases with caveats are skipped', () => {
  for (const id of Object.keys(SKIPPED)) {
    const skippedCase = cases.find(c => c.id === id);
    expect(skippedCase?.caveats.length).toBeGreaterThan(0);
  }
});

function caseName(c: RulerCase): string {
  const caveats = c.caveats.length > 0 ? ` {caveats: ${c.caveats.join(', ')}}` : '';
  return `${c.id} [${c.operator}]${c.note ? ` ${c.note}` : ''}${caveats} => ${c.match ? 'match' : 'no match'}`;
}

const runnable = cases.filter(c => SKIPPED[c.id] === undefined);
const skipped = cases.filter(c => SKIPPED[c.id] !== undefined);
skipped.forEach(c => count(c.operator, 'skipped'));

test.each(runnable.map(c => [caseName(c), c] as const))('%s', (_name, c) => {
  let outcome: 'passed' | 'failed' = 'failed';
  try {
    expect(EventPattern.matches(c.pattern, c.event)).toBe(c.match);
    // The JSON-string form of the pattern (what a pipe stores) must give the same answer.
    expect(EventPattern.matches(JSON.stringify(c.pattern), c.event)).toBe(c.match);
    outcome = 'passed';
  } finally {
    count(c.operator, outcome);
  }
});

if (skipped.length > 0) {
  test.skip.each(skipped.map(c => [`${caseName(c)} (skipped: ${SKIPPED[c.id]})`]))('%s', () => {});
}

afterAll(() => {
  const rows = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
  const sum = rows.reduce((s, [, t]) => ({ passed: s.passed + t.passed, skipped: s.skipped + t.skipped, total: s.total + t.total }),
    { passed: 0, skipped: 0, total: 0 });
  const lines = [...rows, ['ALL', sum] as const].map(([op, t]) => `${op.padEnd(26)} ${t.passed}/${t.skipped}/${t.total}`);
  console.log(`event-ruler conformance (passed/skipped/total per operator)\n${lines.join('\n')}`);
});
