// The README's "Testing filters" example, kept here so that it runs: the dentist pipe's filter.
import * as pipes from '@aws-cdk/aws-pipes-alpha';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DentistStatefulStack } from '../examples/dentist/stateful-stack';
import { DentistStatelessStack } from '../examples/dentist/stateless-stack';
import { AttributeCondition, DynamoDBEventName, DynamoDBStreamFilter, StreamAttributeType, testing } from 'cdk-enriched-stream-to-queue';

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

  // Hand-written without the type keys, the same condition never matches. Pipes accepts it (validate finds
  // nothing); lint says why it is useless, explain why a record does not pass, and the construct refuses it.
  const handWritten = { dynamodb: { NewImage: { appointment: { date: [{ prefix: '2026-12' }] } } } };
  expect(EventPattern.validate(handWritten)).toEqual([]);
  expect(EventPattern.lint(handWritten)).toEqual([
    'dynamodb.NewImage.appointment.date: never matches: "date" is not a DynamoDB type key (S, N, B, BOOL, NULL, M, L, SS, NS, BS); '
      + 'a map\'s attributes are under "M" (e.g. dynamodb.NewImage.appointment.M.date.S)',
  ]);
  expect(EventPattern.explain(handWritten, DynamoDBStreamRecord.insert(booking))).toEqual([
    'dynamodb.NewImage.appointment.date: wanted [{"prefix":"2026-12"}], the record holds nothing (it has no dynamodb.NewImage.appointment.date); '
      + 'hint: this attribute is a map ({"M": {...}}): its attributes are under "M" (e.g. dynamodb.NewImage.appointment.M.date.S)',
  ]);
});

test('stock < 5: numeric never matches N values, so match a derived attribute instead', () => {
  const lowOnStock = { id: 'sku-1', stock: 3, lowStock: true }; // the app writes lowStock = stock < 5

  // N values are strings in stream records ({"N": "3"}): a numeric match never passes them, and the construct refuses it.
  expect(EventPattern.matches({ dynamodb: { NewImage: { stock: { N: [{ numeric: ['<', 5] }] } } } }, DynamoDBStreamRecord.insert(lowOnStock))).toBe(false);

  // What works: a boolean the app derives from stock whenever it writes the item.
  const filter = DynamoDBStreamFilter.where({
    eventNames: [DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY],
    newImage: [AttributeCondition.booleanEquals('lowStock', true)],
  });
  expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.insert(lowOnStock))).toBe(true);
  expect(EventPattern.filterMatches(filter, DynamoDBStreamRecord.modify(lowOnStock, { ...lowOnStock, stock: 12, lowStock: false }))).toBe(false);
  expect(EventPattern.lintFilter(filter)).toEqual([]);

  // Where they fit, string operators on the number's text work too: not zero, and negative.
  const notZero = DynamoDBStreamFilter.insertsWhere([AttributeCondition.matching('stock', StreamAttributeType.N, [{ 'anything-but': ['0'] }])]);
  const negative = DynamoDBStreamFilter.insertsWhere([AttributeCondition.matching('stock', StreamAttributeType.N, [{ prefix: '-' }])]);
  expect(EventPattern.filterMatches(notZero, DynamoDBStreamRecord.insert({ id: 'sku-2', stock: 0 }))).toBe(false);
  expect(EventPattern.filterMatches(negative, DynamoDBStreamRecord.insert({ id: 'sku-3', stock: -1 }))).toBe(true);
});
