/**
 * A local API Gateway REST API with Lambda proxy integrations, read from a synthesized template:
 * requests are routed by the template's resources and methods, checked against the method's request
 * model as API Gateway's request validator checks them, turned into the proxy integration's event
 * (payload format 1.0) and handed to the function through the Lambda Invoke API with the AWS SDK —
 * the same path as in AWS, so the function runs in the local Lambda service (../lambda/invoke-api.ts).
 *
 * AWS behaviour it follows:
 * - request validation: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
 *   (the model is chosen by the request's Content-Type; "If no matching content type is found, request
 *   validation is not performed"; `$default` matches any content type; a failure is a 400 response
 *   and the function is not invoked);
 * - a request without Content-Type is treated as `application/json`:
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-passthrough-behaviors.html
 * - gateway responses and their status codes (BAD_REQUEST_BODY 400, MISSING_AUTHENTICATION_TOKEN 403,
 *   INTEGRATION_TIMEOUT 504, REQUEST_TOO_LARGE 413, DEFAULT_5XX):
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 * - a path or method the API does not define answers 403 "Missing Authentication Token":
 *   https://repost.aws/knowledge-center/api-gateway-authentication-token-errors
 * - the proxy event and result: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 *   (a function error or a malformed result is a 502 "Internal server error");
 * - quotas (10 MB payload, 29 s integration timeout): https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
 *
 * Unlike API Gateway, it answers only requests for its own loopback address (Host `127.0.0.1:PORT` or
 * `localhost:PORT`, else 421) and, from browsers, only pages of 127.0.0.1 or localhost (another
 * `Origin` gets 403): a web page the user visits cannot book through it (../support/http.ts).
 *
 * Not modelled (refused where the template asks for them): authorizers and API keys, non-proxy
 * integrations (AWS, HTTP, MOCK), required request parameters, OpenAPI bodies, binary media types,
 * stage throttling, usage plans, CORS preflight methods, custom gateway responses.
 */
import { createHash, randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import Ajv, { ValidateFunction } from 'ajv-draft-04';
import { CfnResource, CfnTemplate, Resolve } from '../lambda/functions';
import { serveOnLoopback } from '../support/http';
import { LocalService } from '../support/service';

/** API Gateway's payload quota for REST APIs. */
export const API_PAYLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
/** API Gateway's default (and, for REST APIs, usual maximum) integration timeout. */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

/** One method of a REST API, served by a Lambda function through a proxy integration. */
export interface ApiRoute {
  /** The logical id of the `AWS::ApiGateway::RestApi`. */
  readonly restApiLogicalId: string;
  /** The logical id of the `AWS::ApiGateway::Method`. */
  readonly methodLogicalId: string;
  /** The logical id of the method's `AWS::ApiGateway::Resource` (`requestContext.resourceId`); the API's own for `/`. */
  readonly resourceLogicalId: string;
  /** The resource path with its templates, such as `/appointments` or `/items/{id}`. */
  readonly resourcePath: string;
  /** The HTTP method, or `ANY`. */
  readonly httpMethod: string;
  /** The ARN of the integrated function. */
  readonly functionArn: string;
  /** The request models by content type (JSON schemas), when the method's validator checks bodies. */
  readonly requestModels: Readonly<Record<string, object>>;
  /** The stage the API is deployed to (`requestContext.stage`). */
  readonly stage: string;
  /** The stage's variables (`stageVariables`). */
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The account (`requestContext.accountId`). */
  readonly accountId: string;
  /** The integration timeout. */
  readonly timeoutMs: number;
}

type Resources = Record<string, CfnResource>;

function refOf(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' && typeof (value as { Ref?: unknown }).Ref === 'string' ? (value as { Ref: string }).Ref : undefined;
}

function getAttOf(value: unknown): [string, string] | undefined {
  const argument = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)['Fn::GetAtt'] : undefined;
  if (Array.isArray(argument) && typeof argument[0] === 'string' && typeof argument[1] === 'string') {
    return [argument[0], argument[1]];
  }
  if (typeof argument === 'string' && argument.includes('.')) {
    const dot = argument.indexOf('.');
    return [argument.slice(0, dot), argument.slice(dot + 1)];
  }
  return undefined;
}

/**
 * Reads the routes of every REST API of a template. Refuses, with the method and the reason, what
 * the local server cannot serve as API Gateway would.
 */
export function apiRoutesFromTemplate(template: CfnTemplate, resolve: Resolve): ApiRoute[] {
  const resources: Resources = template.Resources ?? {};
  const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
  const routes: ApiRoute[] = [];

  for (const [apiId, api] of ofType('AWS::ApiGateway::RestApi')) {
    if (api.Properties?.Body !== undefined || api.Properties?.BodyS3Location !== undefined) {
      throw new Error(`REST API ${apiId} cannot be served locally: it is defined by an OpenAPI body; the local server reads AWS::ApiGateway::Resource and AWS::ApiGateway::Method resources.`);
    }
    const belongs = (resource: CfnResource) => refOf(resource.Properties?.RestApiId) === apiId;
    const stageResource = ofType('AWS::ApiGateway::Stage').find(([, stage]) => belongs(stage))?.[1];
    const deploymentStage = ofType('AWS::ApiGateway::Deployment').find(([, deployment]) => belongs(deployment) && deployment.Properties?.StageName !== undefined)?.[1];
    const stageName = stageResource?.Properties?.StageName ?? deploymentStage?.Properties?.StageName;
    if (stageName === undefined) {
      throw new Error(`REST API ${apiId} cannot be served locally: it has no stage (AWS::ApiGateway::Stage or a Deployment's StageName).`);
    }
    const stage = resolve(stageName);
    const stageVariables: Record<string, string> = {};
    for (const [name, value] of Object.entries((stageResource?.Properties?.Variables ?? {}) as Record<string, unknown>)) {
      stageVariables[name] = resolve(value);
    }
    const accountId = resolve({ Ref: 'AWS::AccountId' });

    const pathOf = (resourceValue: unknown, methodId: string, seen: string[] = []): string => {
      const getAtt = getAttOf(resourceValue);
      if (getAtt && getAtt[0] === apiId && getAtt[1] === 'RootResourceId') {
        return '';
      }
      const id = refOf(resourceValue);
      const resource = id ? resources[id] : undefined;
      if (!id || !resource || resource.Type !== 'AWS::ApiGateway::Resource' || !belongs(resource) || seen.includes(id)) {
        throw new Error(`Method ${methodId} of REST API ${apiId} cannot be served locally: its resource ${JSON.stringify(resourceValue)} is not a resource of this API.`);
      }
      return `${pathOf(resource.Properties?.ParentId, methodId, [...seen, id])}/${resolve(resource.Properties?.PathPart)}`;
    };

    for (const [methodId, method] of ofType('AWS::ApiGateway::Method').filter(([, candidate]) => belongs(candidate))) {
      const properties = method.Properties ?? {};
      const refuse = (reason: string): never => {
        throw new Error(`Method ${methodId} of REST API ${apiId} cannot be served locally: ${reason}`);
      };
      const httpMethod = resolve(properties.HttpMethod).toUpperCase();
      const authorizationType = properties.AuthorizationType === undefined ? 'NONE' : resolve(properties.AuthorizationType);
      if (authorizationType !== 'NONE') {
        refuse(`its AuthorizationType is ${authorizationType}; only NONE is served (authorizers are not modelled).`);
      }
      if (properties.ApiKeyRequired === true || properties.ApiKeyRequired === 'true') {
        refuse('it requires an API key (ApiKeyRequired); API keys and usage plans are not modelled.');
      }
      const integration = (properties.Integration ?? {}) as Record<string, unknown>;
      const integrationType = integration.Type === undefined ? undefined : resolve(integration.Type);
      if (integrationType !== 'AWS_PROXY') {
        refuse(`its integration type is ${integrationType ?? 'missing'}; only Lambda proxy integrations (AWS_PROXY) are served.`);
      }
      const uri = resolve(integration.Uri);
      const functionArn = /^arn:[^:]+:apigateway:[^:]+:lambda:path\/2015-03-31\/functions\/(.+)\/invocations$/.exec(uri)?.[1];
      if (!functionArn) {
        refuse(`its integration URI ${uri} does not invoke a Lambda function.`);
      }
      const timeoutMs = integration.TimeoutInMillis === undefined ? DEFAULT_INTEGRATION_TIMEOUT_MS : Number(resolve(integration.TimeoutInMillis));

      const validatorId = properties.RequestValidatorId === undefined ? undefined : refOf(properties.RequestValidatorId);
      if (properties.RequestValidatorId !== undefined && (!validatorId || resources[validatorId]?.Type !== 'AWS::ApiGateway::RequestValidator')) {
        refuse(`its RequestValidatorId ${JSON.stringify(properties.RequestValidatorId)} is not a request validator of the template.`);
      }
      const validator = validatorId ? resources[validatorId].Properties ?? {} : {};
      const validatesBody = String(validator.ValidateRequestBody) === 'true';
      const validatesParameters = String(validator.ValidateRequestParameters) === 'true';
      const required = Object.entries((properties.RequestParameters ?? {}) as Record<string, unknown>).filter(([, value]) => String(value) === 'true');
      if (validatesParameters && required.length > 0) {
        refuse(`its validator checks required request parameters (${required.map(([name]) => name).join(', ')}), which the local server does not model.`);
      }

      const requestModels: Record<string, object> = {};
      if (validatesBody) {
        for (const [contentType, modelValue] of Object.entries((properties.RequestModels ?? {}) as Record<string, unknown>)) {
          const modelId = refOf(modelValue);
          const byName = modelId === undefined
            ? ofType('AWS::ApiGateway::Model').find(([, model]) => belongs(model) && model.Properties?.Name !== undefined && resolve(model.Properties.Name) === resolve(modelValue))?.[0]
            : modelId;
          const model = byName ? resources[byName] : undefined;
          if (!model || model.Type !== 'AWS::ApiGateway::Model') {
            refuse(`its request model for ${contentType} (${JSON.stringify(modelValue)}) is not a model of the template (built-in models such as Empty are not modelled).`);
          }
          const schema = model!.Properties?.Schema;
          requestModels[contentType.toLowerCase()] = (typeof schema === 'string' ? JSON.parse(schema) : schema) as object;
        }
      }

      routes.push({
        restApiLogicalId: apiId,
        methodLogicalId: methodId,
        resourceLogicalId: refOf(properties.ResourceId) ?? apiId,
        resourcePath: pathOf(properties.ResourceId, methodId) || '/',
        httpMethod,
        functionArn: functionArn!,
        requestModels,
        stage,
        stageVariables,
        accountId,
        timeoutMs,
      });
    }
  }
  return routes;
}

/** Options for {@link startApiServer}. */
export interface ApiServerOptions {
  /** The routes of one REST API (see apiRoutesFromTemplate). */
  readonly routes: readonly ApiRoute[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /**
   * The Lambda endpoint to invoke the functions at.
   * @default the SDK's configuration (AWS_ENDPOINT_URL_LAMBDA, else AWS)
   */
  readonly lambdaEndpoint?: string;
  /** Where integration failures are reported. @default the parent's stderr */
  readonly log?: (line: string) => void;
}

interface CompiledRoute extends ApiRoute {
  readonly segments: string[];
  readonly validators: Readonly<Record<string, ValidateFunction>>;
}

/** Matches a path against a route's resource path; returns the path parameters, or undefined. */
function matchPath(segments: string[], pathSegments: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index];
    const greedy = /^\{(.+)\+\}$/.exec(segment);
    if (greedy) {
      if (index !== segments.length - 1 || pathSegments.length <= index) {
        return undefined;
      }
      parameters[greedy[1]] = pathSegments.slice(index).map(decodeURIComponent).join('/');
      return parameters;
    }
    if (index >= pathSegments.length) {
      return undefined;
    }
    const parameter = /^\{(.+)\}$/.exec(segment);
    if (parameter) {
      if (pathSegments[index] === '') {
        return undefined;
      }
      parameters[parameter[1]] = decodeURIComponent(pathSegments[index]);
    } else if (segment !== pathSegments[index]) {
      return undefined;
    }
  }
  return segments.length === pathSegments.length ? parameters : undefined;
}

/** How specific a resource path is, segment by segment: a literal beats `{param}`, which beats `{proxy+}`. */
function specificity(segments: string[]): number[] {
  return segments.map((segment) => (/^\{.+\+\}$/.test(segment) ? 0 : /^\{.+\}$/.test(segment) ? 1 : 2));
}

function compare(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (b[index] ?? -1) - (a[index] ?? -1);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

/** `dd/MMM/yyyy:HH:mm:ss +0000`, the format of `requestContext.requestTime`. */
function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function gatewayResponse(response: ServerResponse, status: number, errorType: string, message: string, requestId: string): void {
  const body = JSON.stringify({ message });
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': errorType,
  });
  response.end(body);
}

/** The proxy integration's result, checked as API Gateway checks it; undefined when malformed. */
function proxyResult(payload: string): { statusCode: number; headers: Record<string, string[]>; body: Buffer } | undefined {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    return undefined;
  }
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = result as Record<string, unknown>;
  const status = typeof statusCode === 'string' ? Number(statusCode) : statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return undefined;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return undefined;
  }
  const isObject = (value: unknown) => value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value));
  if (!isObject(headers) || !isObject(multiValueHeaders)) {
    return undefined;
  }
  // "If you specify values for both headers and multiValueHeaders, API Gateway merges them into a
  // single list. If the same key-value pair is specified in both, only the values from
  // multiValueHeaders will appear in the merged list." (set-up-lambda-proxy-integrations.html)
  const merged: Record<string, string[]> = {};
  for (const [name, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
    merged[name] = [String(value)];
  }
  for (const [name, values] of Object.entries((multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(values)) {
      return undefined;
    }
    merged[name] = [...new Set([...(merged[name] ?? []), ...values.map(String)])];
  }
  const text = typeof body === 'string' ? body : '';
  return { statusCode: status, headers: merged, body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}

/**
 * Starts the API on 127.0.0.1, at the root of the port (as the stage's invoke URL serves it at
 * `/<stage>`): `POST /appointments`, not `POST /prod/appointments`.
 */
export async function startApiServer(options: ApiServerOptions): Promise<LocalService> {
  const apis = new Set(options.routes.map((route) => route.restApiLogicalId));
  if (apis.size > 1) {
    throw new Error(`startApiServer: the routes belong to ${apis.size} REST APIs (${[...apis].join(', ')}); one server serves one REST API. Start one server per API.`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // API Gateway validates with JSON Schema draft 4; formats are not checked.
  const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
  const routes: CompiledRoute[] = options.routes.map((route) => {
    const validators: Record<string, ValidateFunction> = {};
    for (const [contentType, schema] of Object.entries(route.requestModels)) {
      try {
        validators[contentType] = ajv.compile(schema);
      } catch (error) {
        throw new Error(`startApiServer: the request model for ${contentType} of ${route.httpMethod} ${route.resourcePath} is not a valid JSON Schema draft 4: ${(error as Error).message}`);
      }
    }
    return { ...route, segments: route.resourcePath === '/' ? [] : route.resourcePath.split('/').slice(1), validators };
  });
  const apiId = createHash('sha256').update([...apis][0] ?? 'api').digest('hex').slice(0, 10);
  const clients = new Map<string, LambdaClient>();
  const lambdaFor = (functionArn: string): LambdaClient => {
    const region = functionArn.split(':')[3];
    let client = clients.get(region);
    if (!client) {
      // API Gateway does not retry a failed integration request.
      client = new LambdaClient({ region, maxAttempts: 1, ...(options.lambdaEndpoint ? { endpoint: options.lambdaEndpoint } : {}) });
      clients.set(region, client);
    }
    return client;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const started = new Date();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size <= API_PAYLOAD_LIMIT_BYTES) {
        chunks.push(chunk as Buffer);
      }
    }
    if (size > API_PAYLOAD_LIMIT_BYTES) {
      gatewayResponse(response, 413, 'RequestTooLargeException', 'Request Too Large', requestId);
      return;
    }
    const body = Buffer.concat(chunks);

    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const pathSegments = url.pathname === '/' ? [] : url.pathname.split('/').slice(1);
    const method = (request.method ?? 'GET').toUpperCase();
    const candidates = routes
      .map((route) => ({ route, parameters: matchPath(route.segments, pathSegments) }))
      .filter((candidate) => candidate.parameters !== undefined)
      .sort((a, b) => compare(specificity(a.route.segments), specificity(b.route.segments)));
    const bestPath = candidates[0]?.route.resourcePath;
    const onPath = candidates.filter((candidate) => candidate.route.resourcePath === bestPath);
    const match = onPath.find((candidate) => candidate.route.httpMethod === method) ?? onPath.find((candidate) => candidate.route.httpMethod === 'ANY');
    if (!match) {
      gatewayResponse(response, 403, 'MissingAuthenticationTokenException', 'Missing Authentication Token', requestId);
      return;
    }
    const { route, parameters } = match;

    const contentType = (request.headers['content-type'] ?? 'application/json').split(';')[0].trim().toLowerCase();
    const validate = route.validators[contentType] ?? route.validators.$default;
    if (validate) {
      let document: unknown;
      let valid = false;
      try {
        document = JSON.parse(body.toString('utf8'));
        valid = validate(document) === true;
      } catch {
        valid = false;
      }
      if (!valid) {
        gatewayResponse(response, 400, 'BadRequestException', 'Invalid request body', requestId);
        return;
      }
    }

    const headers: Record<string, string> = {};
    const multiValueHeaders: Record<string, string[]> = {};
    for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
      const [name, value] = [request.rawHeaders[index], request.rawHeaders[index + 1]];
      headers[name] = value;
      (multiValueHeaders[name] ??= []).push(value);
    }
    const query: Record<string, string> = {};
    const multiValueQuery: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) {
      query[name] = value;
      (multiValueQuery[name] ??= []).push(value);
    }
    const hasAny = (object: object) => Object.keys(object).length > 0;
    const event = {
      resource: route.resourcePath,
      path: url.pathname,
      httpMethod: method,
      headers: hasAny(headers) ? headers : null,
      multiValueHeaders: hasAny(multiValueHeaders) ? multiValueHeaders : null,
      queryStringParameters: hasAny(query) ? query : null,
      multiValueQueryStringParameters: hasAny(multiValueQuery) ? multiValueQuery : null,
      pathParameters: parameters && hasAny(parameters) ? parameters : null,
      stageVariables: hasAny(route.stageVariables) ? route.stageVariables : null,
      requestContext: {
        accountId: route.accountId,
        apiId,
        domainName: request.headers.host ?? '127.0.0.1',
        domainPrefix: (request.headers.host ?? '127').split('.')[0],
        extendedRequestId: requestId,
        httpMethod: method,
        identity: {
          accessKey: null,
          accountId: null,
          caller: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
          user: null,
          userAgent: request.headers['user-agent'] ?? null,
          userArn: null,
        },
        path: `/${route.stage}${url.pathname}`,
        protocol: `HTTP/${request.httpVersion}`,
        requestId,
        requestTime: requestTime(started),
        requestTimeEpoch: started.getTime(),
        resourceId: route.resourceLogicalId,
        resourcePath: route.resourcePath,
        stage: route.stage,
      },
      body: body.length > 0 ? body.toString('utf8') : null,
      isBase64Encoded: false,
    };

    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), route.timeoutMs);
    let output;
    try {
      const invoke = new InvokeCommand({ FunctionName: route.functionArn, Payload: JSON.stringify(event) });
      output = await lambdaFor(route.functionArn).send(invoke, { abortSignal: abort.signal });
    } catch (error) {
      if (abort.signal.aborted) {
        gatewayResponse(response, 504, 'InternalServerErrorException', 'Endpoint request timed out', requestId);
      } else {
        log(`[api] ${method} ${url.pathname}: invoking ${route.functionArn} failed: ${(error as Error).name}: ${(error as Error).message}`);
        gatewayResponse(response, 500, 'InternalServerErrorException', 'Internal server error', requestId);
      }
      return;
    } finally {
      clearTimeout(timer);
    }
    const payload = Buffer.from(output.Payload ?? []).toString('utf8');
    const result = output.FunctionError ? undefined : proxyResult(payload);
    if (!result) {
      log(`[api] ${method} ${url.pathname}: ${output.FunctionError ? `the function failed: ${payload}` : `malformed Lambda proxy response: ${payload.slice(0, 500)}`}`);
      gatewayResponse(response, 502, 'InternalServerErrorException', 'Internal server error', requestId);
      return;
    }
    const responseHeaders: Record<string, string | string[]> = { ...result.headers };
    if (!Object.keys(responseHeaders).some((name) => name.toLowerCase() === 'content-type')) {
      responseHeaders['Content-Type'] = 'application/json';
    }
    responseHeaders['x-amzn-RequestId'] = requestId;
    responseHeaders['Content-Length'] = String(result.body.length);
    response.writeHead(result.statusCode, responseHeaders);
    response.end(result.body);
  };

  return serveOnLoopback(handle, {
    port: options.port,
    callers: 'local-pages',
    name: '[api]',
    log,
    onError: (_error, _request, response) => {
      gatewayResponse(response, 500, 'InternalServerErrorException', 'Internal server error', randomUUID());
    },
    cleanup: () => {
      for (const client of clients.values()) {
        client.destroy();
      }
    },
  });
}
