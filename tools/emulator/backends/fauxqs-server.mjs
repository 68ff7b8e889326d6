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

const sqsStore = new SqsStore();
sqsStore.host = '';
const app = buildApp({ logger: false, stores: { sqsStore } });
const address = await app.listen({ port: Number(process.env.FAUXQS_PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
