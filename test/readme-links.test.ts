// The README is the package's page on every registry (npm, PyPI, Maven, NuGet, the Go module),
// where a relative link leads nowhere and the files of this repository are not in the package. So
// every link is absolute, and one into this repository names a path that exists.
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const repository = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).repository.url as string)
  .replace(/^git\+/, '')
  .replace(/\.git$/, '');

/** The README without its fenced code blocks, where nothing is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** Every link target: inline links and images, reference definitions and HTML `href`/`src`. */
function links(markdown: string): string[] {
  const text = prose(markdown);
  return [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm)].map((match) => match[1]),
    ...[...text.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]),
  ];
}

/** The anchors GitHub and npm give the README's headings (lower case, punctuation dropped, spaces to hyphens). */
function anchors(markdown: string): Set<string> {
  return new Set([...prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)].map((match) => match[1]
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')));
}

/** What is wrong with one link target, or undefined when it reaches something. */
function problem(target: string): string | undefined {
  if (target.startsWith('#')) {
    return anchors(readme).has(decodeURIComponent(target.slice(1))) ? undefined : 'no heading has this anchor';
  }
  if (target.startsWith(`${repository}/`)) {
    const match = /^\/(blob|tree)\/main\/([^#?]+)/.exec(target.slice(repository.length));
    if (!match) return `a repository link must be ${repository}/blob/main/<file> or /tree/main/<directory>`;
    const [, kind, file] = match;
    const full = path.join(root, decodeURIComponent(file));
    if (!fs.existsSync(full)) return `${file} does not exist in the repository`;
    if (kind === 'blob' && !fs.statSync(full).isFile()) return `${file} is a directory: link it with /tree/main/`;
    if (kind === 'tree' && !fs.statSync(full).isDirectory()) return `${file} is a file: link it with /blob/main/`;
    return undefined;
  }
  if (/^(https?:|mailto:)/.test(target)) return undefined;
  return `relative: it works on GitHub only; link ${repository}/blob/main/<path> instead`;
}

test('the README has links to check (the parser sees them)', () => {
  expect(links(readme).length).toBeGreaterThan(20);
  expect(links('[a](x.md) ![b](y.png "t") <a href="w.md">\n[c]: z.md\n')).toEqual(['x.md', 'y.png', 'z.md', 'w.md']);
  expect(links('```sh\n[a](x.md)\n```\n')).toEqual([]);
});

test('every link in the README is absolute, and every link into this repository names a path that exists', () => {
  const broken = links(readme)
    .map((target) => [target, problem(target)])
    .filter(([, why]) => why !== undefined)
    .map(([target, why]) => `${target}: ${why}`);
  expect(broken).toEqual([]);
});

test('an in-page link names a heading of the README', () => {
  expect(problem('#try-it-locally')).toBeUndefined();
  expect(problem('#no-such-heading')).toBe('no heading has this anchor');
});

test('a repository link is checked against the files of this repository', () => {
  expect(problem(`${repository}/blob/main/README.md`)).toBeUndefined();
  expect(problem(`${repository}/tree/main/test`)).toBeUndefined();
  expect(problem(`${repository}/blob/main/tools/pipe-runner/README.md`)).toBe('tools/pipe-runner/README.md does not exist in the repository');
  expect(problem(`${repository}/blob/main/test`)).toBe('test is a directory: link it with /tree/main/');
  expect(problem('./API.md')).toBe(`relative: it works on GitHub only; link ${repository}/blob/main/<path> instead`);
});
