import { App, Aspects, RemovalPolicy } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DentistStatefulStack } from './stateful-stack';
import { DentistStatelessStack } from './stateless-stack';

const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

// `-c removalPolicy=destroy` lets an experiment delete its tables with the stack.
const removalPolicy = app.node.tryGetContext('removalPolicy') === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

const stateful = new DentistStatefulStack(app, 'DentistStateful', { env, removalPolicy });
new DentistStatelessStack(app, 'DentistStateless', {
  env,
  appointments: stateful.appointments,
  contacts: stateful.contacts,
});

// Every finding of the AWS Solutions rules fails the synth unless suppressed with a reason.
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
