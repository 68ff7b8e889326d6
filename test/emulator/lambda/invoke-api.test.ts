/**
 * The local Lambda service, driven through the real AWS SDK v3 LambdaClient as every caller drives it.
 * Wire behaviour follows the Invoke API reference: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { CfnTemplate, LocalFunction, functionsFromTemplate, isDeployTimeOnly } from '../../../tools/emulator/lambda/functions';
import { LambdaService, SYNC_PAYLOAD_LIMIT_BYTES, startLambdaService } from '../../../tools/emulator/lambda/invoke-api';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

const HANDLERS = `
exports.echo = async (event, context) => {
  console.log('echo called');
  return {
    event,
    pid: process.pid,
    env: process.env,
    context: {
      awsRequestId: context.awsRequestId,
      functionName: context.functionName,
      functionVersion: context.functionVersion,
      invokedFunctionArn: context.invokedFunctionArn,
      memoryLimitInMB: context.memoryLimitInMB,
      logGroupName: context.logGroupName,
      logStreamName: context.logStreamName,
      remaining: context.getRemainingTimeInMillis(),
    },
  };
};
exports.fail = async () => { throw new TypeError('the handler failed'); };
exports.sleep = async (event) => { await new Promise((resolve) => setTimeout(resolve, event.ms)); return process.pid; };
exports.size = async (event) => (event.respond ? 'x'.repeat(event.respond) : JSON.stringify(event).length);
exports.touch = async (event) => { require('node:fs').writeFileSync(event.file, 'invoked'); };
exports.callback = (event, context, callback) => { setTimeout(() => callback(null, { called: event.value }), 10); };
exports.escape = async () => { setTimeout(() => { throw new RangeError('escaped the handler'); }, 0); await new Promise((resolve) => setTimeout(resolve, 1000)); };
`;

function fn(name: string, handlerExport: string, overrides: Partial<LocalFunction> = {}): LocalFunction {
  return {
    logicalId: `${name}Function`,
    name,
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
    region: REGION,
    codeFile: '',
    handlerExport,
    handler: `index.${handlerExport}`,
    environment: {},
    timeoutSeconds: 3,
    memorySize: 256,
    runtime: 'nodejs22.x',
    ...overrides,
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const decode = (payload?: Uint8Array) => JSON.parse(Buffer.from(payload ?? []).toString('utf8'));

/** An Authorization header shaped like an SDK's (the local service does not check signatures). */
const SIGNED = 'AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=0';

/** A raw HTTP POST to a local service, with exactly the headers given (and Host unless given). */
function raw(service: { endpoint: string }, request: { path: string; headers: Record<string, string>; body?: string; bodyBytes?: number }):
Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(service.endpoint);
  return new Promise((resolve, reject) => {
    const length = request.bodyBytes ?? Buffer.byteLength(request.body ?? '');
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path: request.path, headers: { 'Content-Length': length, ...request.headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    if (request.bodyBytes === undefined) {
      outgoing.end(request.body);
      return;
    }
    // A large body in 1 MB chunks, as fast as the server reads them.
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const write = () => {
      while (sent < length) {
        sent += chunk.length;
        if (!outgoing.write(chunk)) {
          outgoing.once('drain', write);
          return;
        }
      }
      outgoing.end();
    };
    write();
  });
}

describe('startLambdaService', () => {
  let dir: string;
  let service: LambdaService;
  let client: LambdaClient;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lambda-service-'));
    const codeFile = path.join(dir, 'index.js');
    writeFileSync(codeFile, HANDLERS);
    const brokenFile = path.join(dir, 'broken.js');
    writeFileSync(brokenFile, "require('no-such-module-anywhere');");
    service = await startLambdaService({
      functions: [
        fn('echo', 'echo', { codeFile, environment: { ONLY_ECHO: 'echo-value' }, memorySize: 512 }),
        fn('other-echo', 'echo', { codeFile, environment: { ONLY_OTHER: 'other-value' } }),
        fn('fail', 'fail', { codeFile }),
        fn('sleep', 'sleep', { codeFile, timeoutSeconds: 1 }),
        fn('size', 'size', { codeFile }),
        fn('touch', 'touch', { codeFile }),
        fn('callback', 'callback', { codeFile }),
        fn('escape', 'escape', { codeFile }),
        fn('missing-export', 'nothing', { codeFile }),
        fn('broken', 'handler', { codeFile: brokenFile, handler: 'broken.handler' }),
      ],
      environment: { AWS_ACCESS_KEY_ID: 'local-key', AWS_SECRET_ACCESS_KEY: 'local-secret', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1' },
      log: (line) => logs.push(line),
    });
    client = new LambdaClient({ endpoint: service.endpoint, region: REGION, credentials: { accessKeyId: 'caller', secretAccessKey: 'caller' } });
  });

  afterAll(async () => {
    client?.destroy();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('listens on 127.0.0.1 and serves every function by name', () => {
    expect(service.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service.functionNames).toEqual(['echo', 'other-echo', 'fail', 'sleep', 'size', 'touch', 'callback', 'escape', 'missing-export', 'broken']);
  });

  test('a synchronous invocation returns the handler result with status 200 and a Lambda-like context', async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: JSON.stringify({ hello: 'world' }) }));

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(response.ExecutedVersion).toBe('$LATEST');
    const result = decode(response.Payload);
    expect(result.event).toEqual({ hello: 'world' });
    expect(result.context).toEqual({
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      functionName: 'echo',
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`,
      memoryLimitInMB: '512',
      logGroupName: '/aws/lambda/echo',
      logStreamName: expect.stringMatching(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/),
      remaining: expect.any(Number),
    });
    expect(result.context.remaining).toBeGreaterThan(2000);
    expect(result.context.remaining).toBeLessThanOrEqual(3000);
    expect(response.$metadata.requestId).toBe(result.context.awsRequestId);
  });

  test('handler console output reaches the log prefixed with the function name, and LogType Tail returns it', async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: '{}', LogType: 'Tail' }));

    const requestId = decode(response.Payload).context.awsRequestId;
    const tail = Buffer.from(response.LogResult ?? '', 'base64').toString('utf8');
    expect(tail).toMatch(new RegExp(`\\t${requestId}\\tINFO\\techo called$`));
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^\\[echo\\] \\S+\\t${requestId}\\tINFO\\techo called$`)));
  });

  test('each function sees only its own variables, the runtime variables, the credentials and the endpoints', async () => {
    const echo = decode((await client.send(new InvokeCommand({ FunctionName: 'echo' }))).Payload).env;
    const other = decode((await client.send(new InvokeCommand({ FunctionName: 'other-echo' }))).Payload).env;

    expect(echo.ONLY_ECHO).toBe('echo-value');
    expect(echo.ONLY_OTHER).toBeUndefined();
    expect(other.ONLY_OTHER).toBe('other-value');
    expect(other.ONLY_ECHO).toBeUndefined();
    expect(echo).toMatchObject({
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: 'echo',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      _HANDLER: 'index.echo',
      AWS_ACCESS_KEY_ID: 'local-key',
      AWS_SECRET_ACCESS_KEY: 'local-secret',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
    });
    // Nothing of the parent process (jest) leaks in.
    expect(process.env.JEST_WORKER_ID).toBeDefined();
    expect(echo.JEST_WORKER_ID).toBeUndefined();
    expect(echo.HOME).toBeUndefined();
    expect(echo.NODE_OPTIONS).toBeUndefined();
  });

  test('the function is addressed by name, full ARN, partial ARN and the $LATEST qualifier', async () => {
    const forms = [
      'echo',
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo`,
      `${ACCOUNT}:function:echo`,
      'echo:$LATEST',
    ];
    for (const FunctionName of forms) {
      const response = await client.send(new InvokeCommand({ FunctionName, Payload: '{"form":1}' }));
      expect(decode(response.Payload).event).toEqual({ form: 1 });
    }
    const qualified = await client.send(new InvokeCommand({ FunctionName: 'echo', Qualifier: '$LATEST' }));
    expect(decode(qualified.Payload).context.invokedFunctionArn).toBe(`arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo:$LATEST`);
  });

  test('an unknown function, another account or region, or an unpublished version is ResourceNotFoundException (404)', async () => {
    const cases: Array<[string, string]> = [
      ['nope', `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:nope`],
      [`arn:aws:lambda:${REGION}:999999999999:function:echo`, `Function not found: arn:aws:lambda:${REGION}:999999999999:function:echo`],
      [`arn:aws:lambda:us-east-1:${ACCOUNT}:function:echo`, `Function not found: arn:aws:lambda:us-east-1:${ACCOUNT}:function:echo`],
      ['echo:1', `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:echo:1`],
    ];
    for (const [FunctionName, message] of cases) {
      const error = await client.send(new InvokeCommand({ FunctionName })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect(error).toMatchObject({ message, $metadata: { httpStatusCode: 404 } });
    }
  });

  test('a handler that throws gives status 200, X-Amz-Function-Error Unhandled and the runtime error document', async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: 'fail' }));

    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    const error = decode(response.Payload);
    expect(error).toEqual({ errorType: 'TypeError', errorMessage: 'the handler failed', trace: expect.any(Array) });
    expect(error.trace[0]).toBe('TypeError: the handler failed');
  });

  test('a handler that cannot be loaded fails the invocation with the runtime\'s Init error types', async () => {
    const missing = await client.send(new InvokeCommand({ FunctionName: 'missing-export' }));
    expect(missing.FunctionError).toBe('Unhandled');
    expect(decode(missing.Payload)).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'index.nothing is undefined or not exported' });

    const broken = await client.send(new InvokeCommand({ FunctionName: 'broken' }));
    expect(broken.FunctionError).toBe('Unhandled');
    expect(decode(broken.Payload)).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: expect.stringContaining("Error: Cannot find module 'no-such-module-anywhere'"),
    });
  });

  test('an exception that escapes the handler ends the execution environment and fails the invocation', async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: 'escape' }));

    expect(response.FunctionError).toBe('Unhandled');
    expect(decode(response.Payload)).toMatchObject({ errorType: expect.stringMatching(/^(RangeError|Runtime\.ExitError)$/) });
    const next = await client.send(new InvokeCommand({ FunctionName: 'escape' }));
    expect(next.FunctionError).toBe('Unhandled');
  });

  test('a callback-style handler returns what it passes to the callback', async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: 'callback', Payload: '{"value":42}' }));

    expect(decode(response.Payload)).toEqual({ called: 42 });
  });

  test('a timeout kills the execution environment with Sandbox.Timedout, and the next invocation runs in a new one', async () => {
    const warm = decode((await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: '{"ms":0}' }))).Payload);
    const warmAgain = decode((await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: '{"ms":0}' }))).Payload);
    expect(warmAgain).toBe(warm);

    const started = Date.now();
    const timedOut = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: '{"ms":5000}' }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(timedOut.FunctionError).toBe('Unhandled');
    const error = decode(timedOut.Payload);
    expect(error).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/) });
    // The timed-out environment's process is gone (killed, not left running in the background).
    const gone = Date.now() + 2000;
    while (processExists(warm) && Date.now() < gone) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(processExists(warm)).toBe(false);

    const next = await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: '{"ms":0}' }));
    expect(next.FunctionError).toBeUndefined();
    expect(decode(next.Payload)).not.toBe(warm);
  });

  test('concurrent invocations run in separate execution environments at the same time', async () => {
    const started = Date.now();
    const pids = await Promise.all([1, 2, 3].map(async () => decode((await client.send(new InvokeCommand({ FunctionName: 'sleep', Payload: '{"ms":600}' }))).Payload)));

    expect(new Set(pids).size).toBe(3);
    expect(Date.now() - started).toBeLessThan(1700);
  });

  test('a payload of exactly 6 MB is accepted and a larger one is RequestEntityTooLargeException (413)', async () => {
    const wrapper = '{"pad":""}';
    const exact = JSON.stringify({ pad: 'x'.repeat(SYNC_PAYLOAD_LIMIT_BYTES - wrapper.length) });
    expect(Buffer.byteLength(exact)).toBe(SYNC_PAYLOAD_LIMIT_BYTES);
    const accepted = await client.send(new InvokeCommand({ FunctionName: 'size', Payload: exact }));
    expect(decode(accepted.Payload)).toBe(SYNC_PAYLOAD_LIMIT_BYTES);

    const tooLarge = JSON.stringify({ pad: 'x'.repeat(SYNC_PAYLOAD_LIMIT_BYTES - wrapper.length + 1) });
    const error = await client.send(new InvokeCommand({ FunctionName: 'size', Payload: tooLarge })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
      $metadata: { httpStatusCode: 413 },
    });
  });

  test('a response larger than 6 MB is a Function.ResponseSizeTooLarge error', async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: 'size', Payload: JSON.stringify({ respond: 6_300_000 }) }));

    expect(response.FunctionError).toBe('Unhandled');
    expect(decode(response.Payload)).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size (6300002 bytes) exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  test('an Event invocation is accepted with 202 and runs afterwards; DryRun answers 204 without running', async () => {
    const file = path.join(dir, 'event.txt');
    const dryRunFile = path.join(dir, 'dry-run.txt');

    const dryRun = await client.send(new InvokeCommand({ FunctionName: 'touch', InvocationType: 'DryRun', Payload: JSON.stringify({ file: dryRunFile }) }));
    expect(dryRun.StatusCode).toBe(204);

    const event = await client.send(new InvokeCommand({ FunctionName: 'touch', InvocationType: 'Event', Payload: JSON.stringify({ file }) }));
    expect(event.StatusCode).toBe(202);
    expect(event.Payload?.length ?? 0).toBe(0);
    const deadline = Date.now() + 5000;
    while (!existsSync(file) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readFileSync(file, 'utf8')).toBe('invoked');
    expect(existsSync(dryRunFile)).toBe(false);
  });

  test('a payload that is not JSON is InvalidRequestContentException (400)', async () => {
    const error = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: 'not json' })).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'InvalidRequestContentException', $metadata: { httpStatusCode: 400 } });
    expect((error as Error).message).toMatch(/^Could not parse request body into json: /);
  });

  test('an execution environment that died while idle is replaced: the next invocation runs its handler in a new one', async () => {
    const first = decode((await client.send(new InvokeCommand({ FunctionName: 'callback', Payload: '{"value":1}' }))).Payload);
    expect(first).toEqual({ called: 1 });
    const before = decode((await client.send(new InvokeCommand({ FunctionName: 'echo' }))).Payload).pid as number;

    // Killed from outside while idle, and invoked again at once, before its exit is reported.
    process.kill(before, 'SIGKILL');
    const response = await client.send(new InvokeCommand({ FunctionName: 'echo', Payload: '{"again":true}' }));

    expect(response.FunctionError).toBeUndefined();
    const result = decode(response.Payload);
    expect(result.event).toEqual({ again: true });
    expect(result.pid).not.toBe(before);
  });

  test('an execution environment that dies while idle is reported by function, pid and signal', async () => {
    const pid = decode((await client.send(new InvokeCommand({ FunctionName: 'other-echo' }))).Payload).pid as number;
    process.kill(pid, 'SIGKILL');
    const line = `[other-echo] execution environment (pid ${pid}) exited while idle: SIGKILL; the next invocation starts a new one`;
    for (let waited = 0; waited < 5000 && !logs.includes(line); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(logs).toContain(line);
  });

  test('a malformed percent-encoding in the function name is a 400 ValidationException, not a 500', async () => {
    const response = await raw(service, { path: '/2015-03-31/functions/ec%ZZho/invocations', headers: { Authorization: SIGNED } });

    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('ValidationException');
    expect(JSON.parse(response.body).message).toBe("1 validation error detected: Value 'ec%ZZho' at 'functionName' failed to satisfy constraint: Member must be valid percent-encoded UTF-8");
  });

  test('a body over 64 MB is answered 413 RequestEntityTooLargeException, not with a reset connection', async () => {
    const response = await raw(service, { path: '/2015-03-31/functions/echo/invocations', headers: { Authorization: SIGNED }, bodyBytes: 65 * 1024 * 1024 });

    expect(response.status).toBe(413);
    expect(response.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
  });

  describe('requests that are not an AWS SDK\'s', () => {
    const invokeTouch = (headers: Record<string, string>, file: string) =>
      raw(service, { path: '/2015-03-31/functions/touch/invocations', headers: { 'Content-Type': 'text/plain', ...headers }, body: JSON.stringify({ file }) });

    test('a web page\'s cross-origin request (Origin) is refused with 403 and the function does not run', async () => {
      const file = path.join(dir, 'touched-by-a-page');
      const response = await invokeTouch({ Origin: 'https://evil.example', Authorization: SIGNED }, file);

      expect(response.status).toBe(403);
      expect(JSON.parse(response.body).message).toBe('This local endpoint answers AWS SDK and CLI requests only; a request from a web page (Origin https://evil.example) is refused.');
      expect(existsSync(file)).toBe(false);
    });

    test('an unsigned request (no Authorization) is refused with 403 and the function does not run', async () => {
      const file = path.join(dir, 'touched-unsigned');
      const response = await invokeTouch({}, file);

      expect(response.status).toBe(403);
      expect(JSON.parse(response.body).message).toBe('This local endpoint answers signed AWS SDK and CLI requests only; this request has no Authorization header.');
      expect(existsSync(file)).toBe(false);
    });

    test('a request for another host name (DNS rebinding) is refused with 421; localhost and 127.0.0.1 with the port are served', async () => {
      const port = new URL(service.endpoint).port;
      const file = path.join(dir, 'touched-rebound');
      const rebound = await invokeTouch({ Host: `evil.example:${port}`, Authorization: SIGNED }, file);
      expect(rebound.status).toBe(421);
      expect(JSON.parse(rebound.body).message).toBe(`This local endpoint answers requests for 127.0.0.1:${port} or localhost:${port} only, not for Host 'evil.example:${port}'.`);
      expect(existsSync(file)).toBe(false);

      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
        const served = await invokeTouch({ Host: host, Authorization: SIGNED }, file);
        expect(served.status).toBe(200);
      }
      expect(existsSync(file)).toBe(true);
    });
  });
});

describe('startLambdaService validation', () => {
  test('refuses two functions with the same name', async () => {
    await expect(startLambdaService({
      functions: [fn('same', 'echo'), { ...fn('same', 'echo'), logicalId: 'Other' }],
      environment: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' },
    })).rejects.toThrow("startLambdaService: two functions are named 'same' (sameFunction and Other); function names must be unique.");
  });

  test('refuses a maxConcurrency below 1', async () => {
    await expect(startLambdaService({ functions: [], maxConcurrency: 0 }))
      .rejects.toThrow('startLambdaService: maxConcurrency must be a whole number of at least 1, got 0.');
  });

  test('refuses to start without credentials to hand the functions', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      await expect(startLambdaService({ functions: [] })).rejects.toThrow(
        "startLambdaService: no credentials to hand the functions (Lambda gives every function its role's credentials). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values work against local endpoints) or pass them in the `environment` option.",
      );
    } finally {
      if (saved.id !== undefined) process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret !== undefined) process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});

describe('functionsFromTemplate', () => {
  let assembly: string;
  const resolve = (value: unknown): string => {
    const ref = (value as { Ref?: string }).Ref;
    const pseudo: Record<string, string> = { 'AWS::StackName': 'MyStack', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::Partition': 'aws' };
    if (ref && pseudo[ref]) return pseudo[ref];
    if (typeof value === 'string') return value;
    if ((value as { 'Fn::ImportValue'?: string })['Fn::ImportValue']) return 'imported-table';
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  const lambda = (properties: Record<string, unknown>, metadata: Record<string, unknown> = { 'aws:asset:path': 'asset.abc', 'aws:asset:property': 'Code' }) => ({
    Type: 'AWS::Lambda::Function',
    Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { S3Bucket: 'b', S3Key: 'k.zip' }, ...properties },
    Metadata: metadata,
  });

  beforeAll(() => {
    assembly = mkdtempSync(path.join(tmpdir(), 'functions-'));
    mkdirSync(path.join(assembly, 'asset.abc'));
    writeFileSync(path.join(assembly, 'asset.abc', 'index.js'), 'exports.handler = async () => 1;');
    mkdirSync(path.join(assembly, 'asset.esm'));
    writeFileSync(path.join(assembly, 'asset.esm', 'app.mjs'), 'export const main = async () => 1;');
    writeFileSync(path.join(assembly, 'asset.zip'), 'not a directory');
  });
  afterAll(() => rmSync(assembly, { recursive: true, force: true }));

  test('reads name, ARN, code file, handler, resolved environment, timeout, memory and runtime', () => {
    const template: CfnTemplate = {
      Resources: {
        Fn: lambda({ Environment: { Variables: { TABLE_NAME: { 'Fn::ImportValue': 'Stateful:Table' }, PLAIN: 'x' } }, Timeout: 10, MemorySize: 256 }),
        Named: lambda({ FunctionName: 'explicit-name', Handler: 'app.main', Runtime: 'nodejs20.x' }, { 'aws:asset:path': 'asset.esm', 'aws:asset:property': 'Code' }),
      },
    };

    expect(functionsFromTemplate(template, assembly, resolve)).toEqual([
      {
        logicalId: 'Fn',
        name: 'MyStack-Fn',
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:MyStack-Fn`,
        region: REGION,
        codeFile: path.join(assembly, 'asset.abc', 'index.js'),
        handlerExport: 'handler',
        handler: 'index.handler',
        environment: { TABLE_NAME: 'imported-table', PLAIN: 'x' },
        timeoutSeconds: 10,
        memorySize: 256,
        runtime: 'nodejs22.x',
      },
      {
        logicalId: 'Named',
        name: 'explicit-name',
        arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:explicit-name`,
        region: REGION,
        codeFile: path.join(assembly, 'asset.esm', 'app.mjs'),
        handlerExport: 'main',
        handler: 'app.main',
        environment: {},
        timeoutSeconds: 3,
        memorySize: 128,
        runtime: 'nodejs20.x',
      },
    ]);
  });

  test('cuts a derived name to 64 characters', () => {
    const logicalId = 'A'.repeat(70);
    const [only] = functionsFromTemplate({ Resources: { [logicalId]: lambda({}) } }, assembly, resolve);
    expect(only.name).toBe(`MyStack-${'A'.repeat(56)}`);
  });

  test.each([
    ['a container image', { PackageType: 'Image', Runtime: undefined }, undefined, 'Function Fn cannot run locally: it is a container image (PackageType: Image); the local Lambda service runs only Node.js code from the cloud assembly.'],
    ['another runtime', { Runtime: 'python3.12' }, undefined, 'Function Fn cannot run locally: its Runtime is "python3.12"; the local Lambda service runs only Node.js runtimes (nodejs*).'],
    ['inline code with no directory to write it to', { Code: { ZipFile: 'exports.handler = 1' } }, {}, 'Function Fn cannot run locally: its code is inline (Code.ZipFile) and no directory was given to write it to.'],
    ['layers', { Layers: ['arn:layer'] }, undefined, 'Function Fn cannot run locally: it uses Layers, whose code is not in the cloud assembly.'],
    ['EFS', { FileSystemConfigs: [{}] }, undefined, 'Function Fn cannot run locally: it mounts an EFS file system (FileSystemConfigs).'],
    ['code outside the assembly', {}, {}, "Function Fn cannot run locally: its code is not a CDK asset of this cloud assembly (no 'aws:asset:path' metadata for Code, and its S3Key is in no *.assets.json)."],
    ['a zip file asset', {}, { 'aws:asset:path': 'asset.zip', 'aws:asset:property': 'Code' }, 'is a file, not a directory; the local Lambda service runs unpacked assets (NodejsFunction or lambda.Code.fromAsset of a directory).'],
    ['a missing asset', {}, { 'aws:asset:path': 'asset.gone', 'aws:asset:property': 'Code' }, 'does not exist; synthesize the app into'],
    ['a handler without an export', { Handler: 'index' }, undefined, "Function Fn cannot run locally: its Handler 'index' is not of the form 'file.export', such as 'index.handler'."],
    ['a handler file that is not there', { Handler: 'missing.handler' }, undefined, "Function Fn cannot run locally: its Handler 'missing.handler' names a file that is not in"],
    ['a bad timeout', { Timeout: 0 }, undefined, 'Function Fn cannot run locally: its Timeout is 0; expected a positive whole number.'],
  ])('refuses %s', (_case, properties, metadata, message) => {
    const template: CfnTemplate = { Resources: { Fn: lambda(properties, metadata) } };
    expect(() => functionsFromTemplate(template, assembly, resolve)).toThrow(message);
  });

  test('finds the asset through the asset manifest when the template has no asset metadata (an app synthesized in-process)', () => {
    // `app.synth()` without the CDK CLI writes no aws:asset:path metadata; the manifest maps the S3 key to the folder.
    writeFileSync(path.join(assembly, 'MyStack.assets.json'), JSON.stringify({
      version: '39.0.0',
      files: { abc: { source: { path: 'asset.abc', packaging: 'zip' }, destinations: { 'current_account-current_region': { bucketName: 'b', objectKey: 'abc.zip' } } } },
    }));
    try {
      const [only] = functionsFromTemplate({ Resources: { Fn: lambda({ Code: { S3Bucket: 'b', S3Key: 'abc.zip' } }, {}) } }, assembly, resolve);
      expect(only.codeFile).toBe(path.join(assembly, 'asset.abc', 'index.js'));
    } finally {
      rmSync(path.join(assembly, 'MyStack.assets.json'));
    }
  });

  test('leaves out a function that only custom resources call (a provider CloudFormation invokes at deploy time)', () => {
    const template: CfnTemplate = {
      Resources: {
        Provider: lambda({ Runtime: 'python3.12' }),
        Retention: { Type: 'Custom::LogRetention', Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] } } },
        Other: { Type: 'AWS::CloudFormation::CustomResource', Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] } } },
        App: lambda({}),
      },
    };

    expect(isDeployTimeOnly(template, 'Provider')).toBe(true);
    expect(functionsFromTemplate(template, assembly, resolve).map((f) => f.logicalId)).toEqual(['App']);
  });

  test('still refuses a function that custom resources call when something else references it too', () => {
    const template: CfnTemplate = {
      Resources: {
        Provider: lambda({ Runtime: 'python3.12' }),
        Custom: { Type: 'Custom::Thing', Properties: { ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] } } },
        Pipe: { Type: 'AWS::Pipes::Pipe', Properties: { Enrichment: { 'Fn::Sub': '${Provider.Arn}' } } },
      },
    };

    expect(isDeployTimeOnly(template, 'Provider')).toBe(false);
    expect(() => functionsFromTemplate(template, assembly, resolve)).toThrow('Function Provider cannot run locally: its Runtime is "python3.12"');
  });
});
