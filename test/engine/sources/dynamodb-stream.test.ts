// The record shape Pipes hands on for a DynamoDB source: the Lambda DynamoDB event record
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-dynamodb.html,
// https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html), not the SDK's GetRecords shape.
import { _Record } from '@aws-sdk/client-dynamodb-streams';
import { toPipeRecord } from '../../../tools/engine/sources/dynamodb-stream';

const streamArn = 'arn:aws:dynamodb:eu-west-1:123456789012:table/T/stream/2026-01-01T00:00:00.000';

describe('toPipeRecord', () => {
  test('turns the SDK record into the Lambda event record: epoch seconds, base64 binaries, eventSourceARN', () => {
    const record: _Record = {
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-01-01T00:00:01.900Z'),
        Keys: { id: { S: 'a' } },
        NewImage: { id: { S: 'a' }, blob: { B: Uint8Array.from([1, 2, 3]) }, nested: { M: { bs: { BS: [Uint8Array.from([255])] } } }, list: { L: [{ N: '1' }] } },
        SequenceNumber: '100',
        SizeBytes: 20,
        StreamViewType: 'NEW_IMAGE',
      },
    };
    expect(toPipeRecord(record, streamArn, 'eu-west-1')).toEqual({
      eventID: 'e1',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      dynamodb: {
        ApproximateCreationDateTime: 1767225601,
        Keys: { id: { S: 'a' } },
        NewImage: { id: { S: 'a' }, blob: { B: 'AQID' }, nested: { M: { bs: { BS: ['/w=='] } } }, list: { L: [{ N: '1' }] } },
        SequenceNumber: '100',
        SizeBytes: 20,
        StreamViewType: 'NEW_IMAGE',
      },
      eventSourceARN: streamArn,
    });
  });

  test('keeps userIdentity of a Time to Live deletion in the event shape', () => {
    const record: _Record = { eventName: 'REMOVE', dynamodb: { Keys: { id: { S: 'a' } } }, userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' } };
    expect(toPipeRecord(record, streamArn, 'eu-west-1').userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
  });
});
