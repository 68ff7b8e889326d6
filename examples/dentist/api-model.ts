import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { MAX_DURATION_MINUTES, MAX_EMAIL_LENGTH, MAX_LONG_TEXT, MAX_SHORT_TEXT } from './src/appointment';

const { STRING, OBJECT, INTEGER } = apigateway.JsonSchemaType;
const shortText = { type: STRING, maxLength: MAX_SHORT_TEXT };
const required = { ...shortText, minLength: 1 };
const longText = { type: STRING, maxLength: MAX_LONG_TEXT };
const isoDate = { type: STRING, pattern: '^\\d{4}-\\d{2}-\\d{2}$' };

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
            email: { type: STRING, maxLength: MAX_EMAIL_LENGTH, pattern: '^\\s*[^@\\s]+@[^@\\s]+\\.[^@\\s]+\\s*$' },
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
