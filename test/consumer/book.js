// Run by smoke.sh in the consumer's app while `local` runs, with the `export` lines of
// `local --print-env` in the environment, as a shell user would: books an appointment with the AWS
// SDK's default configuration and waits for its reminder on the pipe's queue. Argument: the READY JSON.
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { ReceiveMessageCommand, SQSClient } = require('@aws-sdk/client-sqs');

const [pipe] = JSON.parse(process.argv[2]).pipes;
const dynamodb = new DynamoDBClient({});
const sqs = new SQSClient({});

(async () => {
  await dynamodb.send(new PutItemCommand({
    TableName: pipe.tableName,
    Item: { id: { S: 'shell1' }, patient: { S: 'grace@example.com' }, at: { S: '2026-12-24T10:00' } },
  }));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: pipe.queueUrl, WaitTimeSeconds: 1 }));
    if (Messages.length > 0) {
      console.log(`reminder received: ${Messages[0].Body}`);
      return;
    }
  }
  throw new Error('no reminder reached the queue within 60 s');
})().then(() => {
  dynamodb.destroy();
  sqs.destroy();
}, (error) => {
  console.error(error);
  process.exit(1);
});
