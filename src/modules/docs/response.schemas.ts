import { z } from 'zod';
import { auditEventResponse } from '../audit';
import { sessionResponse } from '../sessions';
import { userResponse } from '../users';

export { auditEventResponse, sessionResponse, userResponse };

export const problemResponse = z
  .strictObject({
    type: z.url(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    code: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
    requestId: z.string(),
    errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
    mfaToken: z.string().optional().meta({ description: 'MFA_REQUIRED only: send it with a code to POST /api/v1/auth/mfa/verify.' }),
    expiresIn: z.number().int().optional().meta({ description: 'MFA_REQUIRED only: seconds the mfaToken stays valid.' }),
    returnTo: z
      .string()
      .optional()
      .meta({ description: "MFA_REQUIRED of POST /api/v1/auth/oauth/exchange only: the sign-in's returnTo, for after the second factor." }),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details',
    examples: [
      {
        type: 'https://keyhold.dev/problems/validation-failed',
        title: 'Bad Request',
        status: 400,
        detail: 'The request is not valid.',
        code: 'VALIDATION_FAILED',
        requestId: '3f1c2a9e-5d7b-4c1e-9a0f-2b8d6e4c1a7f',
        errors: [{ path: 'email', message: 'must be a valid email address' }],
      },
    ],
  });

const pageMeta = z.strictObject({
  page: z.number().int().min(1),
  limit: z.number().int().min(1),
  total: z.number().int().min(0),
  totalPages: z.number().int().min(0),
});

export function dataOf<T extends z.ZodType>(schema: T) {
  return z.strictObject({ data: schema });
}

export function pageOf<T extends z.ZodType>(schema: T) {
  return z.strictObject({ data: z.array(schema), meta: pageMeta });
}

const accessTokenFields = { accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int().min(1) };

export const loginResponse = dataOf(z.strictObject({ ...accessTokenFields, user: userResponse, session: sessionResponse }));
export const oauthLoginResponse = dataOf(
  z.strictObject({
    ...accessTokenFields,
    user: userResponse,
    session: sessionResponse,
    returnTo: z.string().describe('the path the sign-in was started with: where the frontend goes next'),
  }),
);
export const refreshResponse = dataOf(z.strictObject(accessTokenFields));
export const meResponse = dataOf(z.strictObject({ user: userResponse, session: sessionResponse }));
export const mfaEnrolmentResponse = dataOf(
  z.strictObject({
    secret: z.string().meta({ description: 'Base32 TOTP secret (SHA-1, 6 digits, 30 s steps), for manual entry.' }),
    otpauthUrl: z.string().meta({ description: 'otpauth://totp/... URI for a QR code.' }),
  }),
);
export const recoveryCodesResponse = dataOf(
  z.strictObject({
    recoveryCodes: z.array(z.string()).meta({ description: '10 single-use codes (120 bits each, in groups of four), shown only now.' }),
  }),
);
export const userEnvelopeResponse = dataOf(z.strictObject({ user: userResponse }));
export const serviceInfoResponse = z.strictObject({ name: z.string(), version: z.string(), status: z.literal('ok') });
export const healthResponse = z.strictObject({ status: z.literal('ok') });
export const readinessResponse = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.strictObject({ database: z.enum(['up', 'down']) }),
  geoip: z.record(z.string(), z.unknown()).optional(),
});
