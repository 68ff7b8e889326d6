import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DentistStatefulStack, removalPolicyFromContext } from './stateful-stack';
import { DentistStatelessStack } from './stateless-stack';

const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

// `-c removalPolicy=destroy` lets an experiment delete its tables with the stack (default: retain).
const removalPolicy = removalPolicyFromContext(app.node.tryGetContext('removalPolicy'));
// `-c alarmEmail=ops@example.com` subscribes that address to the alarm topic.
const alarmEmail: unknown = app.node.tryGetContext('alarmEmail');

const stateful = new DentistStatefulStack(app, 'DentistStateful', { env, removalPolicy });
new DentistStatelessStack(app, 'DentistStateless', {
  env,
  appointments: stateful.appointments,
  contacts: stateful.contacts,
  alarmEmail: alarmEmail as string | undefined,
});

// Every finding of the AWS Solutions rules fails the synth unless suppressed with a reason.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
