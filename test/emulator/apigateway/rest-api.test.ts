/**
 * The local REST API: the dentist example's synthesized API served in front of its bundled
 * create-appointment function (run by the local Lambda service against DynamoDB Local), and the proxy
 * event and result mapping checked with a function that echoes what it receives.
 *
 * API Gateway behaviour under test:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LocalAssembly, loadCloudAssembly } from '../../../tools/cloudformation/assembly';
import { ApiRoute, apiRoutesFromTemplate, startApiServer } from '../../../tools/emulator/apigateway/rest-api';
import { startDynamoDBLocal } from '../../../tools/emulator/backends/dynamodb-local';
import { startSqsEmulator } from '../../../tools/emulator/backends/sqs-emulator';
import { CfnTemplate, LocalFunction, functionsFromTemplate } from '../../../tools/emulator/lambda/functions';
import { LambdaService, startLambdaService } from '../../../tools/emulator/lambda/invoke-api';
import { createResources } from '../../../tools/emulator/resources/resources';
import { LocalService } from '../../../tools/emulator/support/service';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const DENTIST = path.join(__dirname, '..', '..', '..', 'examples', 'dentist');

const booking = {
  appointment: {
    patient: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' },
    dentist: { name: 'Dr Smile' },
    date: '2030-05-04',
    time: '09:30',
  },
};

/** Sets the SDK's credential variables for the API server's LambdaClient, and restores them. */
const savedEnv: Record<string, string | undefined> = {};
function setEnv(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
}
function restoreEnv(): void {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** A raw HTTP request with exactly the headers given (fetch sets Host itself). */
function rawRequest(
  endpoint: string,
  request: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers: { 'Content-Length': Buffer.byteLength(request.body ?? ''), ...request.headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

beforeAll(() => setEnv({ AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey }));
afterAll(() => restoreEnv());

describe('the dentist booking API, served locally from its synthesized template', () => {
  let outdir: string;
  let dynamodb: LocalService | undefined;
  let sqs: LocalService | undefined;
  let lambda: LambdaService | undefined;
  let api: LocalService | undefined;
  let dynamodbClient: DynamoDBClient;
  let appointmentsTable: string;
  let routes: ApiRoute[];
  let functions: LocalFunction[];
  let template: CfnTemplate;
  const logs: string[] = [];

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'dentist-api-'));
    // Synthesis and the services' startup overlap.
    const cdk = path.join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'cdk');
    const synth = promisify(execFile)(cdk, ['synth', '--quiet', '-o', outdir], { cwd: DENTIST });
    [dynamodb, sqs] = await Promise.all([startDynamoDBLocal(), startSqsEmulator()]);
    await synth;

    dynamodbClient = new DynamoDBClient({ endpoint: dynamodb.endpoint, region: REGION, credentials: CREDENTIALS });
    const sqsClient = new SQSClient({ endpoint: sqs.endpoint, region: REGION, credentials: CREDENTIALS });
    const local = new LocalAssembly(loadCloudAssembly(outdir, { defaultRegion: REGION }));
    const resources = await createResources(local, { dynamodb: dynamodbClient, sqs: sqsClient });
    sqsClient.destroy();
    appointmentsTable = resources.tables.find((table) => table.logicalId.startsWith('Appointments'))!.tableName;

    const stateless = local.stack('DentistStateless');
    template = stateless.template as CfnTemplate;
    const resolve = (value: unknown) => local.resolveString(stateless, value);
    functions = functionsFromTemplate(template, stateless.directory, resolve);
    routes = apiRoutesFromTemplate(template, resolve);
    lambda = await startLambdaService({
      functions,
      environment: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint },
      log: (line) => logs.push(line),
    });
    api = await startApiServer({ routes, lambdaEndpoint: lambda.endpoint, log: (line) => logs.push(line) });
  }, 90_000);

  afterAll(async () => {
    dynamodbClient?.destroy();
    await api?.stop();
    await lambda?.stop();
    await Promise.all([dynamodb?.stop(), sqs?.stop()]);
    rmSync(outdir, { recursive: true, force: true });
  }, 30_000);

  // A Uint8Array body, unlike a string, makes fetch send no Content-Type of its own.
  const post = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
    fetch(`${api!.endpoint}/appointments`, { method: 'POST', headers, body: new TextEncoder().encode(body) });
  const storedCount = async () => (await dynamodbClient.send(new ScanCommand({ TableName: appointmentsTable, Select: 'COUNT' }))).Count;
  const rejectionsLogged = () => logs.filter((line) => line.includes('Rejected appointment request')).length;

  test('reads one route: POST /appointments, proxied to the create-appointment function, with the deployed request model', () => {
    const createAppointment = functions.find((fn) => fn.logicalId.startsWith('CreateAppointment'))!;
    const model = Object.values(template.Resources!).find((resource) => resource.Type === 'AWS::ApiGateway::Model')!;

    expect(routes).toEqual([expect.objectContaining({
      resourcePath: '/appointments',
      httpMethod: 'POST',
      functionArn: createAppointment.arn,
      requestModels: { 'application/json': model.Properties!.Schema },
      stage: 'prod',
    })]);
    expect(api!.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('a valid booking is handed to the bundled function as a proxy event and stored: 201', async () => {
    const response = await post(JSON.stringify(booking));

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    const created = await response.json() as { id: string; appointment: { patient: { email: string } } };
    expect(created.appointment.patient.email).toBe('jane.doe@example.com');
    const item = await dynamodbClient.send(new GetItemCommand({ TableName: appointmentsTable, Key: { id: { S: created.id } } }));
    expect(item.Item?.id?.S).toBe(created.id);
  });

  test('a body that does not match the model is refused with 400 {"message": "Invalid request body"} and the function does not run', async () => {
    const before = { stored: await storedCount(), rejections: rejectionsLogged() };
    const mismatches = [
      { ...booking, appointment: { ...booking.appointment, time: '25:00' } },
      { appointment: { ...booking.appointment, unexpected: true } },
      { notAnAppointment: true },
    ];
    for (const body of mismatches) {
      const response = await post(JSON.stringify(body));
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('BadRequestException');
      expect(await response.json()).toEqual({ message: 'Invalid request body' });
    }
    const notJson = await post('{"appointment":');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ message: 'Invalid request body' });

    expect(await storedCount()).toBe(before.stored);
    expect(rejectionsLogged()).toBe(before.rejections);
  });

  test('a request without Content-Type is validated as application/json', async () => {
    const response = await post(JSON.stringify({ notAnAppointment: true }), {});

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: 'Invalid request body' });
  });

  test('a content type without a model is not validated: the function itself answers', async () => {
    const before = rejectionsLogged();
    const response = await post(JSON.stringify({ notAnAppointment: true }), { 'Content-Type': 'text/plain' });

    expect(response.status).toBe(400);
    const body = await response.json() as { message: string };
    expect(body.message).not.toBe('Invalid request body');
    expect(rejectionsLogged()).toBe(before + 1);
  });

  test('a path or method the API does not define is 403 {"message": "Missing Authentication Token"}', async () => {
    for (const [method, route] of [['POST', '/nope'], ['GET', '/appointments'], ['POST', '/'], ['POST', '/appointments/extra']]) {
      const response = await fetch(`${api!.endpoint}${route}`, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
    }
  });

  test('a body over 10 MB is refused with 413', async () => {
    const response = await post(JSON.stringify({ pad: 'x'.repeat(10 * 1024 * 1024) }));

    expect(response.status).toBe(413);
  });

  describe('requests that are not the user\'s', () => {
    test('a web page\'s cross-origin booking (a "simple" text/plain POST) is refused with 403 and nothing is stored', async () => {
      const before = await storedCount();
      const response = await post(JSON.stringify(booking), { 'Content-Type': 'text/plain', 'Origin': 'https://evil.example' });

      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ message: 'This local endpoint answers pages of 127.0.0.1 or localhost only; a request from https://evil.example is refused.' });
      expect(await storedCount()).toBe(before);
    });

    test('a page served from localhost (a local front end) may book', async () => {
      const response = await post(JSON.stringify(booking), { 'Content-Type': 'application/json', 'Origin': 'http://localhost:5173' });

      expect(response.status).toBe(201);
    });

    test('a request for another host name (DNS rebinding) is refused with 421 and nothing is stored', async () => {
      const before = await storedCount();
      const port = new URL(api!.endpoint).port;
      const response = await rawRequest(api!.endpoint, { method: 'POST', path: '/appointments', headers: { 'Host': `rebound.example:${port}`, 'Content-Type': 'text/plain' }, body: JSON.stringify(booking) });

      expect(response.status).toBe(421);
      expect(JSON.parse(response.body)).toEqual({ message: `This local endpoint answers requests for 127.0.0.1:${port} or localhost:${port} only, not for Host 'rebound.example:${port}'.` });
      expect(await storedCount()).toBe(before);
    });
  });

  test('an upload the client aborts is one line in the log, not a stack trace', async () => {
    const before = logs.length;
    const url = new URL(api!.endpoint);
    for (let index = 0; index < 20; index++) {
      await new Promise<void>((resolve) => {
        const socket = connect(Number(url.port), '127.0.0.1', () => {
          socket.write(`POST /appointments HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"appointment":`);
          setTimeout(() => socket.destroy(), 20);
        });
        socket.on('close', () => resolve());
      });
    }
    for (let waited = 0; waited < 2000 && logs.length - before < 20; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(logs.slice(before)).toEqual(Array(20).fill('[api] POST /appointments: the client closed the connection before the request was complete; it is not processed'));
  });
});

describe('the proxy integration event and result', () => {
  let dir: string;
  let lambda: LambdaService;
  let api: LocalService;
  const echoArn = `arn:aws:lambda:${REGION}:000000000000:function:echo`;
  const route = (overrides: Partial<ApiRoute>): ApiRoute => ({
    restApiLogicalId: 'Api',
    methodLogicalId: 'Method',
    resourceLogicalId: 'Resource',
    resourcePath: '/',
    httpMethod: 'ANY',
    functionArn: echoArn,
    requestModels: {},
    stage: 'test',
    stageVariables: {},
    accountId: '000000000000',
    timeoutMs: 29_000,
    ...overrides,
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'api-echo-'));
    writeFileSync(path.join(dir, 'index.js'), `
exports.echo = async (event) => {
  const answer = event.queryStringParameters && event.queryStringParameters.answer;
  if (answer === 'throw') throw new Error('failed on purpose');
  if (answer === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));
  if (answer === 'malformed') return { statusCode: 200, body: { not: 'a string' } };
  if (answer === 'binary') return { statusCode: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.from([0, 1, 2, 255]).toString('base64'), isBase64Encoded: true };
  return {
    statusCode: 207,
    headers: { 'X-Single': 'one', 'Content-Type': 'application/json' },
    multiValueHeaders: { 'X-Multi': ['a', 'b'] },
    body: JSON.stringify(event),
  };
};`);
    const base = { region: REGION, codeFile: path.join(dir, 'index.js'), environment: {}, timeoutSeconds: 3, memorySize: 128, runtime: 'nodejs22.x' };
    lambda = await startLambdaService({
      functions: [{ ...base, logicalId: 'Echo', name: 'echo', arn: echoArn, handlerExport: 'echo', handler: 'index.echo' }],
      environment: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
      log: () => undefined,
    });
    api = await startApiServer({
      routes: [
        route({ resourcePath: '/items/{id}', httpMethod: 'ANY', stageVariables: { color: 'blue' } }),
        route({ resourcePath: '/items/special', httpMethod: 'GET' }),
        route({ resourcePath: '/files/{path+}', httpMethod: 'GET' }),
        route({ resourcePath: '/slow', httpMethod: 'GET', timeoutMs: 300 }),
        route({ resourcePath: '/any', httpMethod: 'POST', requestModels: { $default: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } }),
      ],
      lambdaEndpoint: lambda.endpoint,
      log: () => undefined,
    });
  });

  afterAll(async () => {
    await api?.stop();
    await lambda?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('builds the version 1.0 proxy event from the request', async () => {
    const response = await fetch(`${api.endpoint}/items/42?tag=a&tag=b&single=x`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'value' },
      body: '{"hello":"world"}',
    });

    expect(response.status).toBe(207);
    type EchoedEvent = { headers: Record<string, string>; multiValueHeaders: Record<string, string[]>; requestContext: { requestTime: string } };
    const event = await response.json() as EchoedEvent;
    expect(event).toMatchObject({
      resource: '/items/{id}',
      path: '/items/42',
      httpMethod: 'PUT',
      queryStringParameters: { tag: 'b', single: 'x' },
      multiValueQueryStringParameters: { tag: ['a', 'b'], single: ['x'] },
      pathParameters: { id: '42' },
      stageVariables: { color: 'blue' },
      body: '{"hello":"world"}',
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        resourceId: 'Resource',
        resourcePath: '/items/{id}',
        httpMethod: 'PUT',
        path: '/test/items/42',
        stage: 'test',
        protocol: 'HTTP/1.1',
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        requestTimeEpoch: expect.any(Number),
        identity: { sourceIp: '127.0.0.1' },
      },
    });
    expect(event.headers['X-Custom']).toBe('value');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['value']);
    expect(event.requestContext.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  });

  test('a GET without query or body has null query parameters and body', async () => {
    const event = await (await fetch(`${api.endpoint}/items/7`)).json();

    expect(event).toMatchObject({ httpMethod: 'GET', queryStringParameters: null, multiValueQueryStringParameters: null, body: null, pathParameters: { id: '7' } });
  });

  test('a literal resource wins over a path parameter, and a greedy parameter takes the rest of the path', async () => {
    const special = await (await fetch(`${api.endpoint}/items/special`)).json();
    expect(special).toMatchObject({ resource: '/items/special', pathParameters: null });

    const greedy = await (await fetch(`${api.endpoint}/files/a/b/c.txt`)).json();
    expect(greedy).toMatchObject({ resource: '/files/{path+}', pathParameters: { path: 'a/b/c.txt' } });
  });

  test('maps the result back: status code, headers merged with multi-value headers, and the body', async () => {
    const response = await fetch(`${api.endpoint}/items/1`);

    expect(response.status).toBe(207);
    expect(response.headers.get('x-single')).toBe('one');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('decodes a base64-encoded body', async () => {
    const response = await fetch(`${api.endpoint}/items/1?answer=binary`);

    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  });

  test('a function error or a malformed result is 502 {"message": "Internal server error"}', async () => {
    for (const answer of ['throw', 'malformed']) {
      const response = await fetch(`${api.endpoint}/items/1?answer=${answer}`);
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ message: 'Internal server error' });
    }
  });

  test('an integration that outlives its timeout is 504 {"message": "Endpoint request timed out"}', async () => {
    const started = Date.now();
    const response = await fetch(`${api.endpoint}/slow?answer=slow`);

    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ message: 'Endpoint request timed out' });
    expect(Date.now() - started).toBeLessThan(1400);
  });

  test('a $default model validates every content type', async () => {
    const valid = await fetch(`${api.endpoint}/any`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"n":1}' });
    expect(valid.status).toBe(207);
    const invalid = await fetch(`${api.endpoint}/any`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"n":1.5}' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ message: 'Invalid request body' });
  });
});

describe('apiRoutesFromTemplate refuses what it cannot serve', () => {
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string }).Ref;
    if (ref === 'AWS::AccountId') return '000000000000';
    if ((value as Record<string, unknown>)['Fn::Join']) {
      const [separator, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return parts.map(resolve).join(separator);
    }
    if ((value as Record<string, unknown>)['Fn::GetAtt']) return `arn:aws:lambda:${REGION}:000000000000:function:fn`;
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  const uri = { 'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '/invocations']] };
  const template = (method: Record<string, unknown>, extra: Record<string, unknown> = {}, api: Record<string, unknown> = {}): CfnTemplate => ({
    Resources: {
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'Api', ...api } },
      Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
      Items: { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'items' } },
      Method: {
        Type: 'AWS::ApiGateway::Method',
        Properties: { RestApiId: { Ref: 'Api' }, ResourceId: { Ref: 'Items' }, HttpMethod: 'GET', AuthorizationType: 'NONE', Integration: { Type: 'AWS_PROXY', Uri: uri }, ...method },
      },
      ...extra,
    },
  });

  test('reads a plain proxy method', () => {
    expect(apiRoutesFromTemplate(template({}), resolve)).toEqual([{
      restApiLogicalId: 'Api',
      methodLogicalId: 'Method',
      resourceLogicalId: 'Items',
      resourcePath: '/items',
      httpMethod: 'GET',
      functionArn: `arn:aws:lambda:${REGION}:000000000000:function:fn`,
      requestModels: {},
      stage: 'prod',
      stageVariables: {},
      accountId: '000000000000',
      timeoutMs: 29_000,
    }]);
  });

  test.each([
    ['an authorizer', { AuthorizationType: 'COGNITO_USER_POOLS' }, {}, 'Method Method of REST API Api cannot be served locally: its AuthorizationType is COGNITO_USER_POOLS; only NONE is served (authorizers are not modelled).'],
    ['an API key', { ApiKeyRequired: true }, {}, 'Method Method of REST API Api cannot be served locally: it requires an API key (ApiKeyRequired); API keys and usage plans are not modelled.'],
    ['a mock integration', { Integration: { Type: 'MOCK' } }, {}, 'Method Method of REST API Api cannot be served locally: its integration type is MOCK; only Lambda proxy integrations (AWS_PROXY) are served.'],
    ['a proxy to something else', { Integration: { Type: 'AWS_PROXY', Uri: 'arn:aws:apigateway:us-east-1:states:action/StartExecution' } }, {}, 'Method Method of REST API Api cannot be served locally: its integration URI arn:aws:apigateway:us-east-1:states:action/StartExecution does not invoke a Lambda function.'],
    ['required parameters under a validator', { RequestValidatorId: { Ref: 'Validator' }, RequestParameters: { 'method.request.querystring.q': true } },
      { Validator: { Type: 'AWS::ApiGateway::RequestValidator', Properties: { RestApiId: { Ref: 'Api' }, ValidateRequestParameters: true } } },
      'Method Method of REST API Api cannot be served locally: its validator checks required request parameters (method.request.querystring.q), which the local server does not model.'],
    ['a built-in model', { RequestValidatorId: { Ref: 'Validator' }, RequestModels: { 'application/json': 'Empty' } },
      { Validator: { Type: 'AWS::ApiGateway::RequestValidator', Properties: { RestApiId: { Ref: 'Api' }, ValidateRequestBody: true } } },
      'Method Method of REST API Api cannot be served locally: its request model for application/json ("Empty") is not a model of the template (built-in models such as Empty are not modelled).'],
  ])('refuses %s', (_case, method, extra, message) => {
    expect(() => apiRoutesFromTemplate(template(method, extra), resolve)).toThrow(message);
  });

  test('refuses an API defined by an OpenAPI body', () => {
    expect(() => apiRoutesFromTemplate(template({}, {}, { Body: { openapi: '3.0.1' } }), resolve)).toThrow(
      'REST API Api cannot be served locally: it is defined by an OpenAPI body; the local server reads AWS::ApiGateway::Resource and AWS::ApiGateway::Method resources.',
    );
  });

  test('refuses an API without a stage', () => {
    const withoutStage = template({});
    delete (withoutStage.Resources as Record<string, unknown>).Stage;
    expect(() => apiRoutesFromTemplate(withoutStage, resolve)).toThrow(
      "REST API Api cannot be served locally: it has no stage (AWS::ApiGateway::Stage or a Deployment's StageName).",
    );
  });

  test('startApiServer refuses routes of two APIs and a schema that is not JSON Schema draft 4', async () => {
    const [one] = apiRoutesFromTemplate(template({}), resolve);
    await expect(startApiServer({ routes: [one, { ...one, restApiLogicalId: 'Other' }] })).rejects.toThrow(
      'startApiServer: the routes belong to 2 REST APIs (Api, Other); one server serves one REST API. Start one server per API.',
    );
    await expect(startApiServer({ routes: [{ ...one, requestModels: { 'application/json': { type: 'no-such-type' } } }] })).rejects.toThrow(
      'startApiServer: the request model for application/json of GET /items is not a valid JSON Schema draft 4: ',
    );
  });
});
