import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { MAX_DURATION_MINUTES, MAX_EMAIL_LENGTH, MAX_LONG_TEXT, MAX_SHORT_TEXT } from './src/appointment';

const { STRING, OBJECT, INTEGER } = apigateway.JsonSchemaType;

/**
 * No control character other than tab, line feed and carriage return, and no U+FFFE or U+FFFF:
 * Amazon SQS refuses them in a message body, and every string here ends up in a reminder message
 * (see hasOnlySqsCharacters in src/appointment.ts, which also refuses unpaired surrogates; a
 * pattern cannot express those in both the JavaScript and the Java regex dialects).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
 */
export const SQS_TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]*$';

const shortText = { type: STRING, maxLength: MAX_SHORT_TEXT, pattern: SQS_TEXT_PATTERN };
const required = { ...shortText, minLength: 1 };
const longText = { type: STRING, maxLength: MAX_LONG_TEXT, pattern: SQS_TEXT_PATTERN };
const isoDate = { type: STRING, pattern: '^\\d{4}-\\d{2}-\\d{2}$' };

/**
 * The model only rules out what can never be an address: no control characters, and nothing but
 * surrounding white space. The handler decides the rest after Unicode NFKC normalisation (a
 * full-width `＠` is a valid `@` there), which a pattern cannot do; a stricter pattern here would
 * refuse addresses the handler accepts.
 */
const email = { type: STRING, minLength: 1, maxLength: MAX_EMAIL_LENGTH, pattern: '^\\s*[^\\s\\u0000-\\u001F\\u007F\\uFFFE\\uFFFF]+\\s*$' };

/**
 * The JSON schema API Gateway checks every booking against before any function runs, with the
 * handler's own limits. The handler validates again: a schema cannot tell that 2026-02-30 is not a
 * date, and it does not trim or normalise.
 */
export const appointmentRequestSchema: apigateway.JsonSchema = {
  schema: apigateway.JsonSchemaVersion.DRAFT4,
  title: 'AppointmentRequest',
  type: OBJECT,
  required: ['appointment'],
  properties: {
    appointment: {
      type: OBJECT,
      required: ['patient', 'dentist', 'date', 'time'],
      additionalProperties: false,
      properties: {
        patient: {
          type: OBJECT,
          required: ['firstName', 'lastName', 'email'],
          additionalProperties: false,
          properties: {
            firstName: required,
            lastName: required,
            email,
            contactNumber: shortText,
            dateOfBirth: isoDate,
          },
        },
        dentist: {
          type: OBJECT,
          required: ['name'],
          additionalProperties: false,
          properties: { name: required, clinic: shortText, contactNumber: shortText },
        },
        date: isoDate,
        time: { type: STRING, pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' },
        duration: { type: INTEGER, minimum: 1, maximum: MAX_DURATION_MINUTES },
        reason: longText,
        notes: longText,
      },
    },
  },
};
