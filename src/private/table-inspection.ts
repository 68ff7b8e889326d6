/**
 * What the construct can learn about a table at synthesis: whether it has a stream, its view type
 * and its key schema. Only a `Table` or `TableV2` defined in this app can be inspected (through its CloudFormation
 * resource); for an imported table, or a value that is a token, the answers are unknown.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { KeyAttribute } from './event-pattern';

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

/**
 * The key attributes of a table defined in this app, with their types (`S`, `N`, `B`), from its
 * key schema and attribute definitions; undefined for an imported table or when any part is a token.
 */
export function tableKeySchema(table: dynamodb.ITable): KeyAttribute[] | undefined {
  const resource = table.node.defaultChild;
  if (!(resource instanceof dynamodb.CfnGlobalTable || resource instanceof dynamodb.CfnTable)) {
    return undefined;
  }
  const stack = Stack.of(table);
  const keySchema = stack.resolve(resource.keySchema);
  const definitions = stack.resolve(resource.attributeDefinitions);
  if (!Array.isArray(keySchema) || !Array.isArray(definitions)) {
    return undefined;
  }
  const keys: KeyAttribute[] = [];
  for (const key of keySchema) {
    const name = key?.attributeName;
    const type = definitions.find((d: { attributeName?: unknown }) => d?.attributeName === name)?.attributeType;
    if (typeof name !== 'string' || typeof type !== 'string' || Token.isUnresolved(name) || Token.isUnresolved(type)) {
      return undefined;
    }
    keys.push({ name, type });
  }
  return keys;
}
