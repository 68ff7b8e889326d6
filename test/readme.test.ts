import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** Each TypeScript block of the README with the file it says it is from ("From [`file`](file)"). */
function snippets(): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const pattern = /From \[`([^`]+)`\]\([^)]+\)[^\n]*\n+```ts\n([\s\S]*?)```/g;
  for (let match = pattern.exec(readme); match; match = pattern.exec(readme)) {
    found.push([match[1], match[2]]);
  }
  return found;
}

test('the README opens with the main-job command and the test command that CI runs', () => {
  const firstBlock = /^```sh\n([\s\S]*?)```/.exec(readme)![1].split('\n').filter(Boolean);
  expect(firstBlock.map((line) => line.replace(/\s+#.*$/, ''))).toEqual([
    'npm ci && npx projen dentist:demo',
    'npm ci && npx projen build',
  ]);
  expect(fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8')).toContain('\nnpm ci && npx projen build\n');
});

test('every TypeScript snippet in the README is taken from a file that the build type-checks or runs', () => {
  const found = snippets();
  expect(found).toHaveLength(readme.match(/```ts\n/g)!.length);
  expect(found.map(([file]) => file)).toEqual([
    'examples/readme/minimal.ts',
    'examples/orders/summarize-order.ts',
    'examples/readme/enrichment-powertools.ts',
    'test/readme-filter.test.ts',
  ]);
  for (const [file, code] of found) {
    expect(fs.readFileSync(path.join(root, file), 'utf8')).toContain(code);
  }
});

test('the README links the API reference and every example it lists exists', () => {
  expect(readme).toContain('[API.md](./API.md)');
  for (const [, target] of readme.matchAll(/\]\((examples\/[^)#]+)\)/g)) {
    expect(fs.existsSync(path.join(root, target))).toBe(true);
  }
});
