import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { LocalService } from './service';

/**
 * Who may call a local server, besides the rule every one of them applies (the `Host` header must name
 * 127.0.0.1 or localhost with the server's port, so that a web page that rebinds its own host name to
 * 127.0.0.1 is refused):
 * - `aws-sdk`: an AWS API endpoint (Lambda Invoke, DescribePipe, the catch-all). AWS SDKs and CLIs sign
 *   every request (an `Authorization` header) and never send `Origin`; a browser sends `Origin` with
 *   every cross-origin request. So a request with `Origin`, or without `Authorization`, is refused.
 * - `local-pages`: the REST API, which people also call from a page of their own during development:
 *   a request with an `Origin` other than a page of 127.0.0.1, localhost or [::1] is refused.
 * - `anyone`: the catch-all, which answers nothing but errors (presigned URLs carry no `Authorization`).
 */
export type LoopbackCallers = 'aws-sdk' | 'local-pages' | 'anyone';

/** Options for {@link serveOnLoopback}. */
export interface LoopbackServerOptions {
  /** The port; 0 or undefined for a free one. */
  readonly port?: number;
  /** Who may call (see {@link LoopbackCallers}). */
  readonly callers: LoopbackCallers;
  /** How the server is named in log lines, such as `[api]`. */
  readonly name: string;
  /** Answers a request whose handler failed before sending its headers (after that, the connection is dropped). */
  readonly onError: (error: Error, request: IncomingMessage, response: ServerResponse) => void;
  /**
   * Where a failed request is reported, in one line when the client went away.
   * @default stderr
   */
  readonly log?: (line: string) => void;
  /** Runs once the server and its connections are closed, on `stop()`. */
  readonly cleanup?: () => Promise<void> | void;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost'];
const LOOPBACK_PAGE = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

/** The answer to a request that is refused. */
export interface Refusal {
  readonly status: number;
  /** The error's name, in `x-amzn-ErrorType`. */
  readonly type: string;
  readonly message: string;
}

/** Why a request is refused before its handler runs, or undefined when it may proceed. */
export function refusal(request: IncomingMessage, port: number, callers: LoopbackCallers): Refusal | undefined {
  const host = (request.headers.host ?? '').toLowerCase();
  if (!LOOPBACK_HOSTS.some((name) => host === `${name}:${port}`)) {
    return {
      status: 421,
      type: 'MisdirectedRequestException',
      message: `This local endpoint answers requests for 127.0.0.1:${port} or localhost:${port} only, not for Host '${request.headers.host ?? ''}'.`,
    };
  }
  const origin = request.headers.origin;
  if (callers === 'aws-sdk') {
    if (origin !== undefined) {
      return { status: 403, type: 'AccessDeniedException', message: `This local endpoint answers AWS SDK and CLI requests only; a request from a web page (Origin ${origin}) is refused.` };
    }
    if (request.headers.authorization === undefined) {
      return { status: 403, type: 'MissingAuthenticationTokenException', message: 'This local endpoint answers signed AWS SDK and CLI requests only; this request has no Authorization header.' };
    }
  } else if (callers === 'local-pages' && origin !== undefined && !LOOPBACK_PAGE.test(origin)) {
    return { status: 403, type: 'ForbiddenException', message: `This local endpoint answers pages of 127.0.0.1 or localhost only; a request from ${origin} is refused.` };
  }
  return undefined;
}

/** Whether the client went away before its request was complete (an aborted upload). */
function clientWentAway(error: Error, request: IncomingMessage): boolean {
  return (error as NodeJS.ErrnoException).code === 'ECONNRESET' || (request.destroyed && !request.complete);
}

/**
 * Serves HTTP on 127.0.0.1 with `handler`, for the local services that speak an AWS API (Lambda
 * Invoke, DescribePipe) or stand in for API Gateway. Requests that are not the user's (see
 * {@link LoopbackCallers}) are refused before the handler runs, with a JSON `{"message"}` body and
 * the error's name in `x-amzn-ErrorType`. `stop()` closes the server and every open connection, then
 * runs `cleanup`; it is safe to call twice.
 */
export async function serveOnLoopback(
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<void> | void,
  options: LoopbackServerOptions,
): Promise<LocalService> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let port = 0;
  const server = createServer((request, response) => {
    const refused = refusal(request, port, options.callers);
    if (refused) {
      const body = JSON.stringify({ message: refused.message });
      response.writeHead(refused.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'x-amzn-ErrorType': refused.type });
      response.end(body);
      return;
    }
    Promise.resolve().then(() => handler(request, response)).catch((error: Error) => {
      if (clientWentAway(error, request)) {
        log(`${options.name} ${request.method} ${request.url}: the client closed the connection before the request was complete; it is not processed`);
        response.destroy();
        return;
      }
      log(`${options.name} ${request.method} ${request.url}: ${error.stack ?? error.message}`);
      if (!response.headersSent) {
        options.onError(error, request, response);
      } else {
        response.destroy(error);
      }
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => {
      stopping ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await options.cleanup?.();
      })();
      return stopping;
    },
  };
}
