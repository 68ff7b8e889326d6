/**
 * The catch-all endpoint of a local run. `AWS_ENDPOINT_URL`, the AWS SDKs' endpoint for every
 * service, points here in the app's process and in every function, so that a call to a service that
 * has no local endpoint (SNS, SES, S3, ...) stays on this machine and fails with an error naming the
 * service, instead of going to AWS. The per-service variables (`AWS_ENDPOINT_URL_SQS`, ...) take
 * precedence over it, so the local services are reached as before:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 *
 * The service is read from the request's Signature Version 4 credential scope
 * (`<key>/<date>/<region>/<service>/aws4_request`, in the `Authorization` header or a presigned URL's
 * `X-Amz-Credential`): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html
 *
 * The answer is a 400 error written the way the service's protocol writes errors, so that the SDK
 * throws it with our message (checked with the SDK's SNS, S3, DynamoDB and Lambda clients):
 * JSON with `__type` for the JSON protocols (requests with `X-Amz-Target`), an `ErrorResponse`
 * document for the query protocol (form-encoded requests), a `Response/Errors` document for EC2, an
 * `Error` document for S3, and a JSON body with `x-amzn-ErrorType` for REST-JSON services.
 * Protocols: https://smithy.io/2.0/aws/protocols/index.html
 */
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnLoopback } from '../support/http';
import type { LocalService } from '../support/service';

/** The error code of every answer. */
export const NO_LOCAL_ENDPOINT = 'NoLocalEndpoint';

/** Readable names of the usual signing names; any other is shown as signed. */
const SERVICE_NAMES: Readonly<Record<string, string>> = {
  'dynamodb': 'DynamoDB',
  'sqs': 'SQS',
  'lambda': 'Lambda',
  'pipes': 'EventBridge Pipes',
  'sns': 'SNS',
  's3': 'S3',
  'ses': 'SES',
  'email': 'SES',
  'sts': 'STS',
  'iam': 'IAM',
  'kms': 'KMS',
  'events': 'EventBridge',
  'states': 'Step Functions',
  'kinesis': 'Kinesis',
  'firehose': 'Data Firehose',
  'secretsmanager': 'Secrets Manager',
  'ssm': 'Systems Manager',
  'logs': 'CloudWatch Logs',
  'monitoring': 'CloudWatch',
  'execute-api': 'API Gateway (execute-api)',
  'apigateway': 'API Gateway',
  'cognito-idp': 'Cognito user pools',
  'bedrock': 'Bedrock',
  'ec2': 'EC2',
  'xray': 'X-Ray',
};

/** Services whose protocol is REST-XML (errors in XML although the request has no form body). */
const REST_XML = new Set(['s3', 'route53', 'cloudfront']);

/** The signing name of a SigV4 (or SigV4a) signed request, if it is signed. */
export function signingName(request: IncomingMessage, url: URL): string | undefined {
  const credential = /Credential=([^,\s]+)/.exec(request.headers.authorization ?? '')?.[1] ?? url.searchParams.get('X-Amz-Credential') ?? '';
  const scope = credential.split('/');
  // <key>/<date>/<region>/<service>/aws4_request (SigV4a leaves out the region).
  return scope.length >= 4 && scope[scope.length - 1] === 'aws4_request' ? scope[scope.length - 2] : undefined;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Options for {@link startCatchAllApi}. */
export interface CatchAllOptions {
  /** The services that do run locally, named in the message. */
  readonly served: readonly string[];
  /** Where each refused call is logged, in one line. @default stderr */
  readonly log?: (line: string) => void;
}

/**
 * Starts the catch-all endpoint on a free port of 127.0.0.1. `served` names the services that do run
 * locally, for the message. Each refused call is logged in one line.
 */
export async function startCatchAllApi(options: CatchAllOptions): Promise<LocalService> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    // Enough of the body to name the operation of a form-encoded request; the rest is read and dropped.
    let head = '';
    for await (const chunk of request) {
      if (head.length < 65_536) head += (chunk as Buffer).toString('utf8');
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const signed = signingName(request, url);
    const service = signed === undefined ? 'A service' : SERVICE_NAMES[signed] ?? signed;
    const target = request.headers['x-amz-target'] as string | undefined;
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const form = contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams(head) : undefined;
    const operation = target?.split('.').pop() ?? form?.get('Action') ?? `${request.method} ${url.pathname}`;
    const message = signed === undefined
      ? `This request (${operation}) is not signed by an AWS SDK, and the service it is for has no local endpoint in this run. This local run serves ${options.served.join(', ')}; nothing is sent to AWS.`
      : `${service} has no local endpoint in this run (${operation} was not sent to AWS). This local run serves ${options.served.join(', ')}; point AWS_ENDPOINT_URL_<SERVICE> at an emulator of your own to use another service.`;
    log(`[catch-all] refused ${service === 'A service' ? 'an unsigned request' : service} ${operation}: no local endpoint`);

    const requestId = randomUUID();
    let body: string;
    const headers: Record<string, string | number> = { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': NO_LOCAL_ENDPOINT };
    if (target !== undefined) {
      headers['Content-Type'] = contentType.startsWith('application/x-amz-json') ? contentType : 'application/x-amz-json-1.1';
      body = JSON.stringify({ __type: NO_LOCAL_ENDPOINT, message });
    } else if (signed === 'ec2') {
      headers['Content-Type'] = 'text/xml';
      body = `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${NO_LOCAL_ENDPOINT}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
    } else if (signed === 's3') {
      headers['Content-Type'] = 'application/xml';
      headers['x-amz-request-id'] = requestId;
      body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${NO_LOCAL_ENDPOINT}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    } else if (form !== undefined || (signed !== undefined && REST_XML.has(signed))) {
      headers['Content-Type'] = 'text/xml';
      body = `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Type>Sender</Type><Code>${NO_LOCAL_ENDPOINT}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    } else {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify({ message, Message: message });
    }
    headers['Content-Length'] = Buffer.byteLength(body);
    response.writeHead(400, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  return serveOnLoopback(handle, {
    // It answers nothing but errors, to signed and unsigned (presigned URL) requests alike.
    callers: 'anyone',
    name: '[catch-all]',
    log,
    onError: (error, _request, response) => {
      const body = JSON.stringify({ message: error.message });
      response.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      response.end(body);
    },
  });
}
