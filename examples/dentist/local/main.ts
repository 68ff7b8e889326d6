/**
 * `npx projen dentist:local`: the dentist example on 127.0.0.1, no AWS account needed.
 *
 * Prints one stdout line, `READY {...}`, once everything runs (every other line goes to stderr), and
 * runs until SIGINT or SIGTERM (Ctrl-C), then stops everything it started within 10 s.
 * The booking API listens on PORT (default 3000).
 */
import { startDentist } from './app';

/** Stop is bounded: whatever has not stopped by then is killed with this process. */
const STOP_LIMIT_MS = 9_000;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0-65535), got '${process.env.PORT}'`);
  }
  const started = Date.now();
  let stopRequested = false;
  const early = () => {
    stopRequested = true;
  };
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
  const dentist = await startDentist({ port });
  process.off('SIGINT', early);
  process.off('SIGTERM', early);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const begun = Date.now();
    process.stderr.write(`${signal}: stopping...\n`);
    setTimeout(() => {
      process.stderr.write(`Not stopped after ${STOP_LIMIT_MS / 1000} s: exiting anyway\n`);
      process.exit(1);
    }, STOP_LIMIT_MS).unref();
    dentist.stop().then(() => {
      process.stderr.write(`Stopped in ${((Date.now() - begun) / 1000).toFixed(1)} s\n`);
      process.exit(0);
    }, (error: Error) => {
      process.stderr.write(`Stopping failed: ${error.message}\n`);
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (stopRequested) {
    stop('signal during startup');
    return;
  }
  process.stderr.write(`Dentist example running locally (started in ${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C stops it.\n`);
  const booking = { appointment: { patient: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' }, dentist: { name: 'Dr Who' }, date: '2030-01-15', time: '09:30' } };
  process.stderr.write(`  Book:         curl -X POST ${dentist.ready.api}/appointments -H 'Content-Type: application/json' -d '${JSON.stringify(booking)}'\n`);
  process.stderr.write('  Add contacts: AWS_ENDPOINT_URL_DYNAMODB=' + dentist.ready.dynamodb + ' AWS_REGION=' + dentist.ready.replayEnv.AWS_REGION
    + ' AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local node_modules/.bin/ts-node --transpile-only --project tsconfig.dev.json'
    + ` examples/dentist/scripts/add-contacts.ts --table ${dentist.ready.contactsTable} --file examples/dentist/contacts.sample.json\n`);
  process.stdout.write(`READY ${JSON.stringify(dentist.ready)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`dentist:local failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
