/**
 * `cdk-enriched-stream-to-queue/local/jest-setup` (a `setupFilesAfterEnv` module): after each test
 * file, stops whatever `startLocalPipelines` started there and was not stopped, and says so, naming
 * what was left running. Without it, a forgotten `stop()` keeps jest from exiting ("Jest did not exit
 * one second after the test run has completed") and nothing names the culprit.
 */
import { stopForgottenLocalPipelines } from 'cdk-enriched-stream-to-queue/local';

afterAll(async () => {
  const forgotten = await stopForgottenLocalPipelines();
  for (const what of forgotten) {
    // eslint-disable-next-line no-console
    console.warn(`cdk-enriched-stream-to-queue/local: startLocalPipelines() was not stopped in ${expect.getState().testPath ?? 'this test file'}; `
      + `stopped it now (${what}). Call \`await local.stop()\` in afterAll.`);
  }
});
