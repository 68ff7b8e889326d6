import { once } from 'node:events';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { LocalService } from './service';

/** Options for {@link serveOnLoopback}. */
export interface LoopbackServerOptions {
  /** The port; 0 or undefined for a free one. */
  readonly port?: number;
  /** Answers a request whose handler failed before sending its headers (after that, the connection is dropped). */
  readonly onError: (error: Error, request: IncomingMessage, response: ServerResponse) => void;
  /** Runs once the server and its connections are closed, on `stop()`. */
  readonly cleanup?: () => Promise<void> | void;
}

/**
 * Serves HTTP on 127.0.0.1 with `handler`, for the local services that speak an AWS API (Lambda
 * Invoke, DescribePipe) or stand in for API Gateway. `stop()` closes the server and every open
 * connection, then runs `cleanup`; it is safe to call twice.
 */
export async function serveOnLoopback(
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<void> | void,
  options: LoopbackServerOptions,
): Promise<LocalService> {
  const server = createServer((request, response) => {
    Promise.resolve().then(() => handler(request, response)).catch((error: Error) => {
      if (!response.headersSent) {
        options.onError(error, request, response);
      } else {
        response.destroy(error);
      }
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
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
