/**
 * Everything a local run reads from a cloud assembly, read and checked before any service starts:
 * a hostile or broken assembly fails here, naming what is wrong, instead of after DynamoDB Local's
 * JVM has started (issue 18).
 *
 * It reads the assembly exactly as the run does (the same loader, resolver, resource, function,
 * REST API and pipe readers), against the names and ARNs the tables and queues will have
 * (`planResources`), and adds what only the whole app can tell: a pipe reads the stream of one of
 * the app's tables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { apiRoutesFromTemplate } from './apigateway/rest-api';
import { readFunctions, type UnavailableFunction } from './lambda/functions';
import { type LocalTable, planResources } from './resources/resources';
import { type AssemblyStack, type CloudAssembly, loadCloudAssembly, LocalAssembly } from '../cloudformation/assembly';
import type { PipeDefinition } from '../pipe/definition';
import { pipeFromTemplate } from '../pipe/from-template';

/**
 * Loads the cloud assembly in `assemblyDir` and checks everything a local run of it reads.
 * @returns the loaded assembly, for the run to use
 * @throws Error naming the stack, resource or file and what is wrong
 */
export async function checkLocalApp(assemblyDir: string): Promise<CloudAssembly> {
  const assembly = loadCloudAssembly(assemblyDir);
  const local = new LocalAssembly(assembly);
  const { tables } = await planResources(local);
  const unavailable: UnavailableFunction[] = [];
  const callers: Array<{ readonly arn: string; readonly caller: string }> = [];
  // Inline code is written as the run writes it, to a folder removed at once.
  const inlineCodeDir = mkdtempSync(path.join(tmpdir(), 'cdk-enriched-stream-to-queue-preflight-'));
  try {
    for (const stack of assembly.stacks) {
      const resolve = (value: unknown) => local.resolveString(stack, value);
      unavailable.push(...readFunctions(stack.template, stack.directory, resolve, { assemblyRoot: assembly.directory, inlineCodeDir }).unavailable);
      for (const route of apiRoutesFromTemplate(stack.template, resolve)) {
        callers.push({ arn: route.functionArn, caller: `the REST API route ${route.httpMethod} ${route.resourcePath}` });
      }
    }
  } finally {
    rmSync(inlineCodeDir, { recursive: true, force: true });
  }
  for (const { stack, logicalId, pipe } of pipesOf(local)) {
    checkSourceTable(stack, logicalId, pipe, tables);
    if (pipe.enrichment) callers.push({ arn: pipe.enrichment.arn, caller: `pipe ${pipe.name}` });
  }
  // A function that cannot run locally stops the run only when a pipe or a REST API route calls it.
  for (const { arn, caller } of callers) {
    const needed = unavailable.find((fn) => fn.name === functionNameOf(arn));
    if (needed) {
      throw new Error(`Function ${needed.logicalId} cannot run locally, and ${caller} calls it: ${needed.reason}`);
    }
  }
  return assembly;
}

/** The function name of a Lambda ARN (`arn:...:function:<name>[:qualifier]`), or the name itself. */
function functionNameOf(arnOrName: string): string {
  return arnOrName.startsWith('arn:') ? arnOrName.split(':')[6] ?? arnOrName : arnOrName;
}

/** Every `AWS::Pipes::Pipe` of the assembly, read as the run reads it (a pipe without `Name` gets its stable physical name). */
export function pipesOf(local: LocalAssembly): { stack: AssemblyStack; logicalId: string; pipe: PipeDefinition }[] {
  return local.resources().filter(({ resource }) => resource.Type === 'AWS::Pipes::Pipe').map(({ stack, logicalId, resource }) => {
    const properties = resource.Properties ?? {};
    const named = { ...resource, Properties: { ...properties, Name: properties.Name ?? local.physicalName(stack, logicalId) } };
    return { stack, logicalId, pipe: pipeFromTemplate(logicalId, named, local.resolverFor(stack, logicalId)) };
  });
}

/** The pipe's source must be the stream of a table of the app: no other table exists locally. */
function checkSourceTable(stack: AssemblyStack, logicalId: string, pipe: PipeDefinition, tables: readonly LocalTable[]): void {
  if (tables.some((table) => table.streamArn === pipe.source.streamArn)) {
    return;
  }
  const tableName = /:table\/([^/]+)\/stream\//.exec(pipe.source.streamArn)?.[1] ?? pipe.source.streamArn;
  const withStreams = tables.filter((table) => table.streamArn).map((table) => `${table.stackName}/${table.logicalId}`);
  throw new Error(`Pipe ${logicalId} of stack ${stack.stackName} reads the stream of table '${tableName}' (${pipe.source.streamArn}), `
    + `which is not a table of this app; ${withStreams.length > 0 ? `its tables with a stream: ${withStreams.join(', ')}` : 'it has no table with a stream'}`);
}
