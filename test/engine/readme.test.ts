// tools/engine/README.md documents every point where AWS is silent as a row: id, AWS sentences (with
// URL), local choice, why. The rows are written from tools/engine/unspecified.ts and must not drift.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { UNSPECIFIED_IDS, UNSPECIFIED_POINTS, UnspecifiedPoint } from '../../tools/engine/unspecified';

const readme = readFileSync(path.join(__dirname, '..', '..', 'tools', 'engine', 'README.md'), 'utf8');
const rows = readme.split('\n').filter(line => line.startsWith('| `'));

test.each(UNSPECIFIED_IDS)('README.md has the row of %s with its AWS sentences and URLs, local choice and why', (id) => {
  const point = UNSPECIFIED_POINTS[id] as UnspecifiedPoint;
  const row = rows.find(line => line.startsWith(`| \`${id}\` |`));
  expect(row).toBeDefined();
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  for (const sentence of point.aws) {
    expect(row).toContain(escape(sentence.text));
    expect(row).toContain(`(${sentence.url})`);
  }
  expect(row).toContain(escape(point.localChoice));
  expect(row).toContain(escape(point.why));
});
