/**
 * POST /appointments (API Gateway REST API, Lambda proxy integration).
 *
 * - 201 `{id, appointment}`: the appointment was stored. This holds too when the SDK retried a put
 *   whose response was lost after DynamoDB had stored the item (see bookAppointment).
 * - 201 `{id, appointment}` with the header `Idempotent-Replayed: true`: a retry with the same
 *   Idempotency-Key and the same appointment; the first booking is returned and nothing is written
 *   again, so the client sees exactly the response it missed. (A lost response retried by the SDK
 *   within the first request is reported the same way: the item was stored by an earlier attempt.)
 * - 400 `{message}`: the body is missing, not JSON or not a valid appointment, or the
 *   Idempotency-Key header is empty or longer than 255 characters. Nothing is stored.
 * - 422 `{message}`: the Idempotency-Key was already used for a different appointment.
 * - 500 `{message: 'Internal server error'}`: storage failed. The cause is logged without personal
 *   data; its text never reaches the client.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseAppointmentRequest } from '../appointment';
import { bookAppointment, IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from '../booking';
import { createDocumentClient, requiredEnv } from '../dynamodb';

const client = createDocumentClient();

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';
export const IDEMPOTENCY_KEY_INVALID_MESSAGE = `${IDEMPOTENCY_KEY_HEADER} header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
export const IDEMPOTENCY_KEY_REUSED_MESSAGE = `${IDEMPOTENCY_KEY_HEADER} has already been used for a different appointment`;

function respond(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** The header's value, whatever the case of its name; undefined when absent. */
function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return entry?.[1] ?? undefined;
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const request = parseAppointmentRequest(event.body, event.isBase64Encoded);
  if (!request.ok) {
    console.warn(JSON.stringify({ message: 'Rejected appointment request', reason: request.message }));
    return respond(400, { message: request.message });
  }

  const rawKey = header(event, IDEMPOTENCY_KEY_HEADER);
  const idempotencyKey = rawKey?.trim();
  if (idempotencyKey !== undefined && (idempotencyKey === '' || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    return respond(400, { message: IDEMPOTENCY_KEY_INVALID_MESSAGE });
  }

  try {
    const result = await bookAppointment(client, requiredEnv('TABLE_NAME'), request.appointment, idempotencyKey);
    switch (result.outcome) {
      case 'created':
        return respond(201, result.stored);
      case 'replayed':
        return respond(201, result.stored, { 'Idempotent-Replayed': 'true' });
      case 'conflict':
        return respond(422, { message: IDEMPOTENCY_KEY_REUSED_MESSAGE });
    }
  } catch (error) {
    // Name and request id only: error messages can quote item data, which holds personal data.
    const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
    console.error(JSON.stringify({
      message: 'Failed to store appointment',
      errorName: name,
      httpStatusCode: $metadata?.httpStatusCode,
      awsRequestId: $metadata?.requestId,
    }));
    return respond(500, { message: INTERNAL_ERROR_MESSAGE });
  }
};
