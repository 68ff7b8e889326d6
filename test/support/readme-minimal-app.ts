/**
 * The README's minimal example (examples/readme/minimal.ts, with its `Sender` of inline code that no
 * pipe calls) synthesized in-process, with an inline enrichment and, optionally, a Python function
 * the pipe does not call or does call: what `local` must start, list, or refuse.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { addReminders } from '../../examples/readme/minimal';

/** The enrichment: one message per record, naming its key. */
export const ENRICH_CODE = 'exports.handler = async (records) => records.map((record) => ({ id: record.dynamodb.Keys.id.S, enriched: true }));';

export interface MinimalApp {
  readonly outdir: string;
  readonly pipeLogicalId: string;
}

/**
 * @param python 'unrelated' adds a Python function nothing calls; 'enrichment' makes the enrichment a Python function.
 */
export function synthMinimalApp(python: 'none' | 'unrelated' | 'enrichment' = 'unrelated'): MinimalApp {
  const outdir = mkdtempSync(path.join(tmpdir(), 'readme-minimal-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Minimal', { env: { account: '111111111111', region: 'eu-west-1' } });
  const enrich = python === 'enrichment'
    ? new lambda.Function(stack, 'Enrich', { runtime: lambda.Runtime.PYTHON_3_12, handler: 'index.handler', code: lambda.Code.fromInline('def handler(event, context):\n  return event') })
    : new lambda.Function(stack, 'Enrich', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline(ENRICH_CODE) });
  if (python === 'unrelated') {
    new lambda.Function(stack, 'Report', { runtime: lambda.Runtime.PYTHON_3_12, handler: 'index.handler', code: lambda.Code.fromInline('def handler(event, context):\n  pass') });
  }
  addReminders(stack, enrich);
  app.synth();
  const pipe = stack.node.findAll().find((construct) => CfnResource.isCfnResource(construct) && construct.cfnResourceType === 'AWS::Pipes::Pipe') as CfnResource;
  return { outdir, pipeLogicalId: stack.getLogicalId(pipe) };
}
