// The consumer's enrichment, written with the package's kit: one reminder per booked appointment.
import { type EnrichmentRecord, perRecord } from 'cdk-enriched-stream-to-queue/enrichment';

interface Appointment {
  readonly id: string;
  readonly patient?: string;
  readonly at?: string;
}

export interface Reminder {
  readonly appointmentId: string;
  readonly patient: string;
  readonly remindOn: string;
}

export const handler = perRecord(async ({ keys, newImage }: EnrichmentRecord<Appointment>): Promise<Reminder> => {
  // A booking without a patient or a time cannot be reminded: throw, so that the pipe retries the
  // batch and then writes it to the source dead-letter queue.
  if (!newImage?.patient || !newImage.at) throw new Error(`appointment ${String(keys.id)} has no patient or time`);
  return { appointmentId: String(keys.id), patient: newImage.patient, remindOn: newImage.at.slice(0, 10) };
});
