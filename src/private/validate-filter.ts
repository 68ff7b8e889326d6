/**
 * The filter: patterns EventBridge Pipes accepts, and tests of an image the table's stream does not carry.
 */
import * as pipes from '@aws-cdk/aws-pipes-alpha';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { IConstruct } from 'constructs';
import { validateFilterPatterns } from './event-pattern';
import { streamViewType } from './table-inspection';
import { invalid, isObject } from './validation';

/** Refuses a filter without patterns, patterns Pipes would reject, and tests of an image the stream lacks. */
export function validateFilter(scope: IConstruct, filter: pipes.IFilter | undefined, table: dynamodb.ITable): void {
  if (!filter) {
    return;
  }
  if (filter.filters.length === 0) {
    invalid(scope, 'filter must have at least one pattern, got none: every record would pass (INSERT, MODIFY and REMOVE) instead of the INSERT-only default. '
      + 'To pass every kind of record on purpose, use DynamoDBStreamFilter.eventNames(DynamoDBEventName.INSERT, DynamoDBEventName.MODIFY, DynamoDBEventName.REMOVE)');
  }
  const problems = validateFilterPatterns(filter.filters.map(f => f.pattern));
  if (problems.length > 0) {
    invalid(scope, `filter must hold patterns EventBridge Pipes accepts, got ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n  ${problems.join('\n  ')}`);
  }
  validateFilterAgainstViewType(scope, filter, table);
}

/**
 * Refuses a filter that tests an image the table's stream does not carry: a `NEW_IMAGE` stream has
 * no `OldImage`, an `OLD_IMAGE` stream no `NewImage`, a `KEYS_ONLY` stream neither
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_StreamSpecification.html).
 */
function validateFilterAgainstViewType(scope: IConstruct, filter: pipes.IFilter, table: dynamodb.ITable): void {
  const viewType = streamViewType(table);
  if (viewType === undefined) {
    return;
  }
  const carries: Record<string, string[]> = {
    NewImage: [dynamodb.StreamViewType.NEW_IMAGE, dynamodb.StreamViewType.NEW_AND_OLD_IMAGES],
    OldImage: [dynamodb.StreamViewType.OLD_IMAGE, dynamodb.StreamViewType.NEW_AND_OLD_IMAGES],
  };
  filter.filters.forEach((f, i) => {
    const images = new Set<string>();
    collectImages(JSON.parse(f.pattern), [], images);
    for (const image of [...images].sort()) {
      if (!carries[image].includes(viewType)) {
        const wanted = image === 'NewImage' ? 'NEW_IMAGE or NEW_AND_OLD_IMAGES' : 'OLD_IMAGE or NEW_AND_OLD_IMAGES';
        invalid(scope, `filter must test only images the table's stream carries, got a test of dynamodb.${image} (filters[${i}]): the stream view type is ${viewType}, `
          + `so its records carry no ${image}. Stream ${wanted}, or test another part of the record`);
      }
    }
  });
}

/** Collects `NewImage` / `OldImage` when a pattern (or one of its `$or` branches) tests `dynamodb.<image>`. */
function collectImages(node: unknown, path: string[], found: Set<string>): void {
  if (!isObject(node)) {
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === '$or' && Array.isArray(value)) {
      value.forEach(branch => collectImages(branch, path, found));
    } else if (path.length === 0 && key === 'dynamodb') {
      collectImages(value, ['dynamodb'], found);
    } else if (path.length === 1 && (key === 'NewImage' || key === 'OldImage')) {
      found.add(key);
    }
  }
}

