// Starts the fauxqs SQS emulator on loopback and prints `{"port": N}` once it listens.
// fauxqs is an ES module only, so it runs in its own Node.js process (services.ts starts this file).
import { pathToFileURL } from 'node:url';

// services.ts passes the path of the fauxqs module it found in the consumer's project.
const { startFauxqs } = await import(pathToFileURL(process.env.FAUXQS_MODULE).href);

const server = await startFauxqs({ port: Number(process.env.FAUXQS_PORT ?? 0), host: '127.0.0.1', logger: false });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
