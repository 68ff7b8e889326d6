/**
 * The pattern engine: EventBridge event-pattern matching, the syntax EventBridge Pipes accepts,
 * lints for patterns that are valid but useless on DynamoDB stream records, and explanations of
 * why a record does not match. The construct, the public `testing` facade and the local runtime
 * (tools/) import it from here.
 */
export { filterMatches, matchesPattern } from './match';
export { validateFilterPatterns, validatePattern } from './syntax';
export { lintPattern } from './lint';
export type { LintContext, LintFinding, LintSeverity } from './lint';
export { explainFilter, explainPattern } from './explain';
export type { KeyAttribute } from './dynamodb-record';
