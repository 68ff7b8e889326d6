// The local services' preconditions fail early with a message that says what to install.
import { javaMajorVersion, MINIMUM_JAVA_VERSION } from '../../../tools/emulator/backends/dynamodb-local';
import { requireOptional } from '../../../tools/emulator/support/optional-dependencies';

test('a missing java is named, with what to install', () => {
  expect(() => javaMajorVersion('/nonexistent/bin/java')).toThrow(
    "DynamoDB Local needs Java 17 or newer, and '/nonexistent/bin/java' could not be run. Install a JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.",
  );
});

test('the java on this machine is new enough for DynamoDB Local (CI installs it otherwise)', () => {
  expect(javaMajorVersion()).toBeGreaterThanOrEqual(MINIMUM_JAVA_VERSION);
});

test('a missing dev dependency is named, with the command that adds it', () => {
  expect(() => requireOptional('no-such-package-for-this-test', 'Running a pipeline locally')).toThrow(
    "Running a pipeline locally needs the npm package 'no-such-package-for-this-test', which is not installed. Add it to your dev dependencies: npm install --save-dev no-such-package-for-this-test",
  );
});

test('fauxqs is found although its package.json is not exported (an ES-module-only package)', () => {
  expect(requireOptional('fauxqs', 'Running a pipeline locally')).toMatch(/node_modules\/fauxqs\/package\.json$/);
});
