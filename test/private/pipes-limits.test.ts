import { enumProblem, PIPES_ENUMS, PIPES_LIMITS, rangeProblem } from '../../src/private/pipes-limits';

describe('rangeProblem words every limit as "<prop> must be <rule>, got <value>"', () => {
  test.each([
    ['BatchSize', 10_001, PIPES_LIMITS.batchSize, 'BatchSize must be an integer from 1 to 10000, got 10001'],
    ['BatchSize', 11, PIPES_LIMITS.batchSizeWithSqsTarget, 'BatchSize must be an integer from 1 to 10 (an SQS target takes at most 10 messages per batch), got 11'],
    ['BatchSize', 2.5, PIPES_LIMITS.batchSize, 'BatchSize must be an integer from 1 to 10000, got 2.5'],
    ['BatchSize', '5', PIPES_LIMITS.batchSize, 'BatchSize must be an integer from 1 to 10000, got the string "5"'],
    ['MaximumBatchingWindowInSeconds', 301, PIPES_LIMITS.maximumBatchingWindowInSeconds,
      'MaximumBatchingWindowInSeconds must be a whole number of seconds from 0 to 300, got 301 seconds'],
    ['MaximumRecordAgeInSeconds', 59, PIPES_LIMITS.maximumRecordAgeInSeconds,
      'MaximumRecordAgeInSeconds must be -1 (infinite) or a whole number of seconds from 60 to 604800, got 59 seconds'],
    ['MaximumRetryAttempts', -2, PIPES_LIMITS.maximumRetryAttempts, 'MaximumRetryAttempts must be -1 (infinite) or an integer from 0 to 10000, got -2'],
    ['ParallelizationFactor', 11, PIPES_LIMITS.parallelizationFactor, 'ParallelizationFactor must be an integer from 1 to 10, got 11'],
    ['FilterCriteria.Filters', 6, PIPES_LIMITS.filterPatterns, 'FilterCriteria.Filters must be a number of filter patterns from 0 to 5, got 6'],
    ['Name', 'p'.repeat(65), PIPES_LIMITS.pipeName, 'Name must be a string from 1 to 64 characters long, got 65 characters'],
    ['Name', 'a b', PIPES_LIMITS.pipeName, 'Name must be made of letters, digits, \'.\', \'-\' and \'_\' (pattern [\\.\\-_A-Za-z0-9]+), got the string "a b"'],
    ['Name', 7, PIPES_LIMITS.pipeName, 'Name must be a string from 1 to 64 characters long, got the number 7'],
    ['Description', 'a\u2028b', PIPES_LIMITS.description, 'Description must be a single line (the API\'s pattern .* matches no line break), got the string "a\u2028b"'],
    ['Pattern', 'x'.repeat(4097), PIPES_LIMITS.filterPatternLength, 'Pattern must be a string from 0 to 4096 characters long, got 4097 characters'],
  ])('%s %p', (prop, value, limit, message) => {
    expect(rangeProblem(prop, value, limit)).toBe(message);
  });

  test.each([
    ['MaximumRetryAttempts', -1, PIPES_LIMITS.maximumRetryAttempts],
    ['MaximumRecordAgeInSeconds', -1, PIPES_LIMITS.maximumRecordAgeInSeconds],
    ['MaximumRecordAgeInSeconds', 604_800, PIPES_LIMITS.maximumRecordAgeInSeconds],
    ['BatchSize', 10_000, PIPES_LIMITS.batchSize],
    ['FilterCriteria.Filters', 0, PIPES_LIMITS.filterPatterns],
    ['Name', `${'a'.repeat(60)}.-_9`, PIPES_LIMITS.pipeName],
    ['Description', '', PIPES_LIMITS.description],
  ])('accepts %s %p', (prop, value, limit) => {
    expect(rangeProblem(prop, value, limit)).toBeUndefined();
  });

  test('counts characters as Unicode code points, as the API models do', () => {
    expect(rangeProblem('Description', `${'é'.repeat(510)}😀😀`, PIPES_LIMITS.description)).toBeUndefined();
    expect(rangeProblem('Description', `${'é'.repeat(511)}😀😀`, PIPES_LIMITS.description))
      .toBe('Description must be a string from 0 to 512 characters long, got 513 characters');
  });
});

test('enumProblem names the allowed values and the CDK type', () => {
  expect(enumProblem('StartingPosition', 'AT_TIMESTAMP', PIPES_ENUMS.startingPosition, 'DynamoDBStartingPosition'))
    .toBe('StartingPosition must be one of TRIM_HORIZON, LATEST (DynamoDBStartingPosition), got the string "AT_TIMESTAMP"');
  expect(enumProblem('Level', 'INFO', PIPES_ENUMS.logLevel)).toBeUndefined();
  expect(enumProblem('Level', undefined, PIPES_ENUMS.logLevel)).toBe('Level must be one of OFF, ERROR, INFO, TRACE, got undefined');
});
