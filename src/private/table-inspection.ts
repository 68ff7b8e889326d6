/**
 * What the construct can learn about a table at synthesis: whether it has a stream and its view
 * type. Only a `Table` or `TableV2` defined in this app can be inspected (through its CloudFormation
 * resource); for an imported table, or a value that is a token, the answers are unknown.
 */
import { Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/**
 * Whether the table has a stream. A `TableV2` always exposes a `tableStreamArn` token, even without
 * a stream, so its CloudFormation resource is inspected instead.
 */
export function tableHasStream(table: dynamodb.ITable): boolean {
  if (table.tableStreamArn === undefined) {
    return false;
  }
  const resource = table.node.defaultChild;
  if (resource instanceof dynamodb.CfnGlobalTable) {
    return Stack.of(table).resolve(resource.streamSpecification) !== undefined;
  }
  return true;
}

/**
 * The stream view type of a table defined in this app, or undefined (imported table, or a token).
 */
export function streamViewType(table: dynamodb.ITable): string | undefined {
  const resource = table.node.defaultChild;
  if (resource instanceof dynamodb.CfnGlobalTable || resource instanceof dynamodb.CfnTable) {
    const specification = Stack.of(table).resolve(resource.streamSpecification);
    return typeof specification?.streamViewType === 'string' ? specification.streamViewType : undefined;
  }
  return undefined;
}
