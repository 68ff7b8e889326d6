/**
 * `npx projen dentist:local`: the dentist example on 127.0.0.1, no AWS account needed.
 *
 * Prints one stdout line, `READY {...}`, once everything runs (every other line goes to stderr), and
 * runs until Ctrl-C, `kill`, a closed terminal or the end of the process that started it (npx
 * killed), then stops everything it started within 10 s: the package's `runUntilStopped`, as the
 * `local` command runs. The booking API listens on PORT (default 3000).
 */
import { startDentist } from './app';
import { runUntilStopped } from '../../../tools/index';

async function main(): Promise<number> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0-65535), got '${process.env.PORT}'`);
  }
  const started = Date.now();
  return runUntilStopped({
    start: (signal) => startDentist({ port, signal }),
    ready: (dentist) => {
      process.stderr.write(`Dentist example running locally (started in ${((Date.now() - started) / 1000).toFixed(1)} s). Ctrl-C stops it.\n`);
      const booking = { appointment: { patient: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' }, dentist: { name: 'Dr Who' }, date: '2030-01-15', time: '09:30' } };
      process.stderr.write(`  Book:         curl -X POST ${dentist.ready.api}/appointments -H 'Content-Type: application/json' -d '${JSON.stringify(booking)}'\n`);
      process.stderr.write('  Add contacts: AWS_ENDPOINT_URL_DYNAMODB=' + dentist.ready.dynamodb + ' AWS_REGION=' + dentist.ready.replayEnv.AWS_REGION
        + ' AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local node_modules/.bin/ts-node --transpile-only --project tsconfig.dev.json'
        + ` examples/dentist/scripts/add-contacts.ts --table ${dentist.ready.contactsTable} --file examples/dentist/contacts.sample.json\n`);
      process.stdout.write(`READY ${JSON.stringify(dentist.ready)}\n`);
    },
    failed: (dentist) => dentist.app.failed,
    stop: (dentist) => dentist.stop(),
  });
}

main().then((code) => process.exit(code), (error: Error) => {
  process.stderr.write(`dentist:local failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
