#!/usr/bin/env node
/**
 * `npx cdk-enriched-stream-to-queue <command>` (`local/cli.js`): a few lines over the one bundle
 * (`local/index.js`, from ./index.ts), which holds the command and the AWS SDK clients.
 */
// The AWS SDK warns under Node.js 20 (end-of-life) whenever a process makes its first client: the
// command silences it for its own process before anything is loaded (README, Requirements).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cliMain } = require('./index.js') as { cliMain: (argv: string[]) => Promise<number> };
void cliMain(process.argv.slice(2)).then((code) => process.exit(code));
