/**
 * The source of a pipe, chosen by the service of its `Source` ARN. A new stream source (Kinesis) is
 * one file under this folder implementing `StreamSource` (../source.ts) and one case here.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { parseArn } from '../../cloudformation/arn';
import { PipeDefinition } from '../../pipe/definition';
import { SourceContext, StreamSource } from '../source';
import { DynamoDBStreamSource } from './dynamodb-stream';

/** The clients the sources use (the runner creates those not given). */
export interface SourceClients {
  readonly streams: DynamoDBStreamsClient;
}

/**
 * The source that reads `pipe`'s `Source`.
 * @throws Error naming the service when no local source reads it
 */
export function sourceFor(pipe: PipeDefinition, clients: SourceClients, context: SourceContext): StreamSource {
  const service = parseArn(pipe.source.streamArn).service;
  switch (service) {
    case 'dynamodb':
      return new DynamoDBStreamSource({
        streamArn: pipe.source.streamArn,
        startingPosition: pipe.source.startingPosition,
        client: clients.streams,
        context,
      });
    default:
      throw new Error(`Pipe ${pipe.name}: Source ${pipe.source.streamArn} is a ${service} ARN; the local pipe runner reads DynamoDB streams only`);
  }
}
