import { App } from 'aws-cdk-lib';
import { OrdersStack } from './orders-stack';

const app = new App();
new OrdersStack(app, 'Orders', { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
