/**
 * `cdk-enriched-stream-to-queue/local/jest-global-teardown`: stops what the global setup started
 * (DynamoDB Local's JVM included) once every test file has run.
 */
import { SHARED_SERVICES_KEY } from './global-setup';
import type { LocalService } from '../emulator/support/service';

type Holder = { [SHARED_SERVICES_KEY]?: { services: LocalService[]; saved: Record<string, string | undefined> } };

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Holder;
  const shared = holder[SHARED_SERVICES_KEY];
  delete holder[SHARED_SERVICES_KEY];
  if (!shared) return;
  await Promise.all(shared.services.map((service) => service.stop()));
  for (const [name, value] of Object.entries(shared.saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
