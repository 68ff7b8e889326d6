module.exports = {
  // ...your preset and transform...
  globalSetup: 'cdk-enriched-stream-to-queue/local/jest-global-setup',
  globalTeardown: 'cdk-enriched-stream-to-queue/local/jest-global-teardown',
  testEnvironment: 'cdk-enriched-stream-to-queue/local/jest-environment',
};
