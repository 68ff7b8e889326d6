// Starts the fauxqs SQS emulator on 127.0.0.1 and prints `{"port":N}` once it listens.
// fauxqs is an ES module only, so it runs in its own Node.js process (sqs-emulator.ts starts this file).
// Its startFauxqs() listens on every interface whatever `host` says, and its queue URLs name a host
// `sqs.<region>.<host>` that does not resolve here; so the app is built and bound to loopback here,
// and the queue store is told to use the request's host: queue URLs are http://127.0.0.1:<port>/...
// The parent keeps a pipe open to this process's stdin: when it closes (the parent ended, even by
// SIGKILL), this process exits.
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

// sqs-emulator.ts passes the path of the fauxqs module it found in the consumer's project.
const modulePath = process.env.FAUXQS_MODULE;
const { buildApp } = await import(pathToFileURL(modulePath).href);
const { SqsStore } = await import(pathToFileURL(join(dirname(modulePath), 'sqs', 'sqsStore.js')).href);

// FAUXQS_PER_ACCESS_KEY=1: one queue store per access key (the Credential of the request's SigV4
// Authorization header), as DynamoDB Local without -sharedDb keeps one database per access key; for a
// jest run whose test files share this process but not their queues.
const perAccessKey = process.env.FAUXQS_PER_ACCESS_KEY === '1';
const newApp = () => {
  const sqsStore = new SqsStore();
  sqsStore.host = '';
  return buildApp({ logger: false, stores: { sqsStore } });
};
let close;
let port;
if (perAccessKey) {
  const { createServer } = await import('node:http');
  const apps = new Map();
  const appFor = (accessKey) => {
    if (!apps.has(accessKey)) {
      const app = newApp();
      apps.set(accessKey, app.ready().then(() => app));
    }
    return apps.get(accessKey);
  };
  const server = createServer((request, response) => {
    const accessKey = /Credential=([^/]*)\//.exec(request.headers.authorization ?? '')?.[1] ?? '';
    appFor(accessKey).then((app) => app.routing(request, response), (error) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });
  await new Promise((resolve) => server.listen(Number(process.env.FAUXQS_PORT ?? 0), '127.0.0.1', resolve));
  port = server.address().port;
  close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await Promise.all([...apps.values()].map(async (app) => (await app).close()));
  };
} else {
  const app = newApp();
  const address = await app.listen({ port: Number(process.env.FAUXQS_PORT ?? 0), host: '127.0.0.1' });
  port = Number(new URL(address).port);
  close = () => app.close();
}
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = async () => {
  await close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
