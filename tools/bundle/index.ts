/**
 * The one bundle of the package's tools, `local/index.js`: the public API of
 * `cdk-enriched-stream-to-queue/local` (../index.ts, whose types are `local/index.d.ts`) and the
 * command's `main`, so that the AWS SDK clients they share are in the package once. The command
 * (`local/cli.js`, from ./cli.ts) is a few lines that require this file.
 */
export * from '../index';
export { main as cliMain } from '../cli';
