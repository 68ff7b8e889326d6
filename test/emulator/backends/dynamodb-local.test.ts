// The local services' preconditions fail early with a message that says what to install; DynamoDB
// Local and the SQS emulator run on loopback only, with telemetry off and none of the caller's AWS
// variables, and say how they ended when they end unexpectedly.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';
import { DYNAMODB_LOCAL, javaMajorVersion, MINIMUM_JAVA_VERSION, startDynamoDBLocal } from '../../../tools/emulator/backends/dynamodb-local';
import { startSqsEmulator } from '../../../tools/emulator/backends/sqs-emulator';
import { listenersOf } from '../../../tools/emulator/support/listeners';
import { requireOptional } from '../../../tools/emulator/support/optional-dependencies';
import { childrenOf, commandLineOf, environmentOf } from '../support/process-tree';

jest.setTimeout(120_000);

test('a missing java is named, with what to install', () => {
  expect(() => javaMajorVersion('/nonexistent/bin/java')).toThrow(
    "DynamoDB Local needs Java 17 or newer, and '/nonexistent/bin/java' could not be run. Install a JDK or JRE (for example Debian's openjdk-17-jre-headless) and put its java first on the PATH.",
  );
});

test('a java that fails for another reason is reported as it failed, with its output, not as missing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'broken-java-'));
  try {
    const java = path.join(dir, 'java');
    writeFileSync(java, "#!/bin/sh\necho 'Error: could not open jvm.cfg' >&2\nexit 1\n");
    chmodSync(java, 0o755);
    expect(() => javaMajorVersion(java)).toThrow(`'${java} -version' failed (exit code 1):\nError: could not open jvm.cfg`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

describe('the services run on loopback, with telemetry off and none of the caller\'s AWS variables', () => {
  const callerVariables = {
    AWS_ACCESS_KEY_ID: 'AKIACALLER',
    AWS_SECRET_ACCESS_KEY: 'caller-secret',
    AWS_SESSION_TOKEN: 'caller-token',
    AWS_PROFILE: 'caller-profile',
    AWS_WEB_IDENTITY_TOKEN_FILE: '/caller/token',
    AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
  };
  const saved: Record<string, string | undefined> = {};
  let dynamodbPid: number;
  let sqsPid: number;
  let endpoints: { dynamodb: string; sqs: string };
  let stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    for (const [name, value] of Object.entries(callerVariables)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    const before = new Set(childrenOf(process.pid));
    const [dynamodb, sqs] = await Promise.all([startDynamoDBLocal({ log: () => undefined }), startSqsEmulator()]);
    stops = [dynamodb.stop, sqs.stop];
    endpoints = { dynamodb: dynamodb.endpoint, sqs: sqs.endpoint };
    const started = childrenOf(process.pid).filter((pid) => !before.has(pid));
    dynamodbPid = started.find((pid) => commandLineOf(pid).includes('java'))!;
    sqsPid = started.find((pid) => commandLineOf(pid).some((arg) => arg.endsWith('fauxqs-server.mjs')))!;
  });

  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('DynamoDB Local and the SQS emulator listen on 127.0.0.1 only, on the port of their endpoint', () => {
    expect(listenersOf(dynamodbPid)).toEqual([{ address: '127.0.0.1', port: Number(new URL(endpoints.dynamodb).port) }]);
    expect(listenersOf(sqsPid)).toEqual([{ address: '127.0.0.1', port: Number(new URL(endpoints.sqs).port) }]);
  });

  test('DynamoDB Local refuses a request for another host name (DNS rebinding) or from a web page (Origin)', async () => {
    const port = Number(new URL(endpoints.dynamodb).port);
    const listTables = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': 'DynamoDB_20120810.ListTables',
          'Authorization': 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
          ...headers,
        },
      }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.on('error', reject);
      request.end('{}');
    });

    expect(await listTables({ Host: `rebound.example:${port}` })).toBe(403);
    expect(await listTables({ Origin: 'https://evil.example' })).toBe(403);
    expect(await listTables({ Host: `localhost:${port}` })).toBe(200);
  });

  test('DynamoDB Local runs with telemetry off: -disableTelemetry on its command line and DDB_LOCAL_TELEMETRY=0', () => {
    expect(commandLineOf(dynamodbPid)).toContain('-disableTelemetry');
    expect(environmentOf(dynamodbPid).DDB_LOCAL_TELEMETRY).toBe('0');
  });

  test('DynamoDB Local\'s JVM writes no performance-data file (/tmp/hsperfdata_<user>/<pid>)', () => {
    expect(existsSync(path.join('/tmp', `hsperfdata_${userInfo().username}`, String(dynamodbPid)))).toBe(false);
  });

  test('neither service gets any AWS_* variable of the caller (credentials, profile, web identity, container credentials)', () => {
    for (const pid of [dynamodbPid, sqsPid]) {
      expect(Object.keys(environmentOf(pid)).filter((name) => name.startsWith('AWS_'))).toEqual([]);
    }
  });
});

describe('a service that ends unexpectedly says which one, its pid and how', () => {
  test('DynamoDB Local killed while running: `died` names it, its pid and the signal', async () => {
    const before = new Set(childrenOf(process.pid));
    const dynamodb = await startDynamoDBLocal({ log: () => undefined });
    const pid = childrenOf(process.pid).find((candidate) => !before.has(candidate))!;
    process.kill(pid, 'SIGKILL');
    expect((await dynamodb.died!).message).toBe(`${DYNAMODB_LOCAL} (pid ${pid}) exited unexpectedly: SIGKILL`);
    await dynamodb.stop();
  });

  test('the SQS emulator killed during start-up is reported with the signal, not "(null)"', async () => {
    const before = new Set(childrenOf(process.pid));
    const starting = startSqsEmulator();
    const pid = childrenOf(process.pid).find((candidate) => !before.has(candidate))!;
    process.kill(pid, 'SIGKILL');
    await expect(starting).rejects.toThrow(/^The SQS emulator \(fauxqs\) exited during startup \(SIGKILL\):/);
  });

  test('stop() is no unexpected exit: `died` does not settle', async () => {
    const sqs = await startSqsEmulator();
    await sqs.stop();
    const settled = await Promise.race([sqs.died!.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 300))]);
    expect(settled).toBe(false);
  });
});
