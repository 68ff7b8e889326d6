/**
 * `cdk-enriched-stream-to-queue/local/jest-environment`: jest's node environment, plus one duty at
 * the end of each test file, after every `afterAll`: whatever `startLocalPipelines` started in the
 * file and was not stopped is stopped, and a warning names the file and what was left running.
 * Without it a forgotten `stop()` keeps jest from exiting ("Jest did not exit one second after the
 * test run has completed", or a worker "force exited") and nothing names the emulators.
 *
 * An environment, not a setupFilesAfterEnv `afterAll`: jest runs a file's top-level afterAll hooks in
 * the order they were added, so a setup file's hook would run before the file's own `stop()`.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
// jest-environment-node comes with jest itself, in the consumer's project as in this one.
// eslint-disable-next-line import/no-extraneous-dependencies
import { TestEnvironment as NodeEnvironment } from 'jest-environment-node';
import { STOP_FORGOTTEN_KEY } from './shared-services';

/** Stops what the test file's `startLocalPipelines` left running, and writes one warning per app. */
export async function stopForgotten(global: object | null | undefined, testPath: string, write: (text: string) => void): Promise<void> {
  const stop = (global as Record<symbol, (() => Promise<string[]>) | undefined> | null | undefined)?.[STOP_FORGOTTEN_KEY];
  if (!stop) return;
  for (const what of await stop()) {
    write(`cdk-enriched-stream-to-queue/local: startLocalPipelines() was not stopped in ${testPath}; stopped it after the file `
      + `(${what}). Call \`await local.stop()\` in afterAll.\n`);
  }
}

export default class LocalPipelinesEnvironment extends NodeEnvironment {
  private readonly testPath: string;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    this.testPath = context.testPath;
  }

  async teardown(): Promise<void> {
    await stopForgotten(this.global, this.testPath, (text) => process.stderr.write(text));
    await super.teardown();
  }
}
