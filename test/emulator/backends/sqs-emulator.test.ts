// fauxqs exports no queue store, and the local run needs one (tools/emulator/backends/fauxqs-server.mjs):
// these tests fail when the installed fauxqs moves or changes it, or drifts from the version the
// README pins, before any consumer meets a module-not-found error from a child process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FAUXQS_TESTED_VERSION, fauxqsQueueStore } from '../../../tools/emulator/backends/sqs-emulator';

const fauxqsDir = path.join(__dirname, '..', '..', '..', 'node_modules', 'fauxqs');
const manifest = JSON.parse(readFileSync(path.join(fauxqsDir, 'package.json'), 'utf8')) as { version: string; exports: { '.': { import: { default: string } } } };
const moduleFile = path.join(fauxqsDir, manifest.exports['.'].import.default);

test('the installed fauxqs is the version the local run is tested with, and the one the README pins', () => {
  expect(manifest.version).toBe(FAUXQS_TESTED_VERSION);
  const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  expect(readme).toContain(`fauxqs@${FAUXQS_TESTED_VERSION}`);
});

test('its internal queue store is where fauxqs-server.mjs imports it, a class with the host the server clears', () => {
  // Loaded as the server loads it (an ES module, by file URL); jest's CommonJS runtime cannot import ESM, so a child node does.
  const store = fauxqsQueueStore(moduleFile, manifest.version);
  const script = `const { SqsStore } = await import(${JSON.stringify(pathToFileURL(store).href)});
    const s = new SqsStore(); if (typeof SqsStore !== 'function' || !('host' in s)) process.exit(3);
    const { buildApp } = await import(${JSON.stringify(pathToFileURL(moduleFile).href)}); if (typeof buildApp !== 'function') process.exit(4);`;
  expect(() => execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' })).not.toThrow();
});

test('a fauxqs without that store is refused, naming the version and the one to install', () => {
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'fauxqs-moved-'));
  try {
    expect(() => fauxqsQueueStore(path.join(elsewhere, 'dist', 'app.js'), '2.0.0')).toThrow(
      `fauxqs 2.0.0 has no sqs/sqsStore.js, the internal queue store the local run uses; it is tested with fauxqs ${FAUXQS_TESTED_VERSION}: npm install --save-dev fauxqs@${FAUXQS_TESTED_VERSION}`,
    );
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
