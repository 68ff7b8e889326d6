module.exports = {
  testEnvironment: 'cdk-enriched-stream-to-queue/local/jest-environment',
  globalSetup: 'cdk-enriched-stream-to-queue/local/jest-global-setup',
  globalTeardown: 'cdk-enriched-stream-to-queue/local/jest-global-teardown',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest']
  },
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
};
