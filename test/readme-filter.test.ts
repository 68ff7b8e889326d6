// The README's "Testing filters" example, kept here so that it runs: the dentist pipe's filter.
import * as pipes from '@aws-cdk/aws-pipes-alpha';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DentistStatefulStack } from '../examples/dentist/stateful-stack';
import { DentistStatelessStack } from '../examples/dentist/stateless-stack';
import { AttributeCondition, DynamoDBStreamFilter, testing } from 'cdk-enriched-stream-to-queue';

// The offline filter tools live in the package's `testing` submodule.
const { DynamoDBStreamRecord, EventPattern } = testing;

const booking = { id: 'a1', appointment: { patient: { email: 'ada@example.com' }, date: '2026-12-01', time: '09:30' } };

test('offline, the dentist pipe\'s filter passes a new booking and drops its updates and deletions', () => {
  const app = new App();
  const stateful = new DentistStatefulStack(app, 'Stateful');
  const stateless = new DentistStatelessStack(app, 'Stateless', { appointments: stateful.appointments, contacts: stateful.contacts });
  const filter = stateless.reminders.pipe.node.defaultChild as unknown as { sourceParameters: { filterCriteria: pipes.IFilter } };

  expect(EventPattern.filterMatches(filter.sourceParameters.filterCriteria, DynamoDBStreamRecord.insert(booking))).toBe(true);
  expect(EventPattern.filterMatches(filter.sourceParameters.filterCriteria, DynamoDBStreamRecord.modify(booking, booking))).toBe(false);
  expect(EventPattern.filterMatches(filter.sourceParameters.filterCriteria, DynamoDBStreamRecord.remove(booking))).toBe(false);
  Template.fromStack(stateless).resourceCountIs('AWS::Pipes::Pipe', 1);
});

test('a typed condition on the new image matches what the stream delivers', () => {
  const filter = DynamoDBStreamFilter.insertsWhere([
    AttributeCondition.stringPrefix('appointment.date', '2026-12'),
  ]);

  expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert(booking))).toBe(true);
  expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert({ ...booking, appointment: { ...booking.appointment, date: '2027-01-04' } }))).toBe(false);
  // Hand-written without the type key, the same condition never matches: the construct refuses it.
  expect(EventPattern.validate({ dynamodb: { NewImage: { appointment: { date: [{ prefix: '2026-12' }] } } } })).not.toEqual([]);
});
