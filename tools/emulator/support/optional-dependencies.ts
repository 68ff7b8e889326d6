import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Resolves an optional dependency of the consumer's project, with a message that says how to add it.
 */
export function requireOptional(name: string, purpose: string): string {
  // Packages that export only an ES module hide their package.json from require.resolve: look for it.
  const searched = [...(require.resolve.paths(name) ?? []), path.join(process.cwd(), 'node_modules')];
  for (const directory of searched) {
    const candidate = path.join(directory, name, 'package.json');
    if (existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error(`${purpose} needs the npm package '${name}', which is not installed. Add it to your dev dependencies: npm install --save-dev ${name}`);
}
