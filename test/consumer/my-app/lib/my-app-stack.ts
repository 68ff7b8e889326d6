// The consumer's stack in a `cdk init app --language typescript` app (test/consumer/smoke.sh puts it
// over the one cdk init writes): the README's minimal example (lib/reminders.ts, taken from the
// README by smoke.sh) with an enrichment written with the package's kit and bundled by esbuild, and
// a Python function that no pipe or API calls (`local` lists it as not started).
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as cdk from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { addReminders } from './reminders';

export class MyAppStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const enrich = new nodejs.NodejsFunction(this, 'Enrich', {
      entry: path.join(__dirname, '..', 'lambda', 'enrich.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
    });
    addReminders(this, enrich);

    new lambda.Function(this, 'Report', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromInline('def handler(event, context):\n    return None\n'),
    });
  }
}
