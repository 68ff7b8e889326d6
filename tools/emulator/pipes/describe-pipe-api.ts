/**
 * The EventBridge Pipes API's `DescribePipe` on 127.0.0.1, for pipes that run locally, so that tools
 * read a local pipe exactly as they read one in AWS: with the unmodified SDK `PipesClient`, pointed
 * here by the SDK's standard `AWS_ENDPOINT_URL_PIPES` variable.
 *
 * Wire format (REST-JSON, from the SDK's service model in `@aws-sdk/client-pipes` and
 * https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_DescribePipe.html):
 * `GET /v1/pipes/{Name}` → 200 with the pipe as JSON (member names as in the model, timestamps in
 * epoch seconds); an unknown name → 404 `NotFoundException`, identified by the `x-amzn-ErrorType`
 * header, with `{"message": ...}`. Nothing else of the Pipes API is served (the answer says so).
 */
import { once } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { PipeDefinition } from '../../pipe/definition';
import { describePipeResponse } from '../../pipe/from-describe-pipe';
import { serveOnLoopback } from '../support/http';
import { type LocalService } from '../support/service';

/** `Name`'s constraints in the DescribePipe request (length 1 to 64, `[.\-_A-Za-z0-9]+`). */
const PIPE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;

function sendJson(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(text);
}

/** JSON of the response with `Date`s as epoch seconds, as REST-JSON sends timestamps. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, toWire(v)]));
  }
  return value;
}

/**
 * Serves `DescribePipe` for the given pipes on a free port of 127.0.0.1, to signed requests only
 * (../support/http.ts).
 *
 * @throws if two pipes share a name.
 */
export async function startPipesApi(
  pipes: readonly PipeDefinition[],
  options: { readonly log?: (line: string) => void } = {},
): Promise<LocalService> {
  const started = new Date(Math.floor(Date.now() / 1000) * 1000);
  const byName = new Map<string, PipeDefinition>();
  for (const pipe of pipes) {
    if (byName.has(pipe.name)) {
      throw new Error(`Two pipes are named ${pipe.name}; pipe names are unique in an account and region`);
    }
    byName.set(pipe.name, pipe);
  }

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const match = /^\/v1\/pipes\/([^/]+)$/.exec(path);
    if (request.method !== 'GET' || !match) {
      sendJson(response, 404, { message: `${request.method} ${path} is not served here; this local Pipes API serves only DescribePipe (GET /v1/pipes/{Name})` }, 'UnknownOperationException');
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      name = match[1];
    }
    if (!PIPE_NAME.test(name)) {
      sendJson(response, 400, { message: `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length between 1 and 64` }, 'ValidationException');
      return;
    }
    const pipe = byName.get(name);
    if (!pipe) {
      sendJson(response, 404, { message: `Pipe ${name} does not exist.` }, 'NotFoundException');
      return;
    }
    sendJson(response, 200, toWire(describePipeResponse(pipe, { created: started, modified: started })));
  };

  return serveOnLoopback(async (request, response) => {
    // The request has no body; drain whatever a client sends anyway.
    request.resume();
    await once(request, 'end');
    handle(request, response);
  }, {
    callers: 'aws-sdk',
    name: '[pipes]',
    log: options.log,
    onError: (error, _request, response) => sendJson(response, 500, { message: error.message }, 'InternalException'),
  });
}
