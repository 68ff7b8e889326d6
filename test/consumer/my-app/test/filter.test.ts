// The filter as it will be deployed (read from the synthesized template), tested offline against the
// records the stream delivers.
import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib/core';
import { MyAppStack } from '../lib/my-app-stack';
import { testing } from 'cdk-enriched-stream-to-queue';

const { DynamoDBStreamRecord, EventPattern } = testing;
const [pipe] = Object.values(Template.fromStack(new MyAppStack(new App(), 'MyTestStack')).findResources('AWS::Pipes::Pipe'));
const pattern: string = pipe.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern;
const booking = { id: 'a1', patient: 'ada@example.com', at: '2026-12-10T09:30' };

test('the pattern is one Pipes accepts and can match', () => {
  expect(EventPattern.validate(pattern)).toEqual([]);
  expect(EventPattern.lint(pattern)).toEqual([]);
});

test('a booking passes', () => {
  expect(EventPattern.matches(pattern, DynamoDBStreamRecord.insert(booking))).toBe(true);
});

test('its update and its cancellation do not, and explain says why', () => {
  const update = DynamoDBStreamRecord.modify(booking, { ...booking, at: '2026-12-11T09:30' });
  expect(EventPattern.matches(pattern, update)).toBe(false);
  expect(EventPattern.explain(pattern, update)).toEqual(['eventName: wanted ["INSERT"], the record holds "MODIFY"']);
  expect(EventPattern.matches(pattern, DynamoDBStreamRecord.remove(booking))).toBe(false);
});
