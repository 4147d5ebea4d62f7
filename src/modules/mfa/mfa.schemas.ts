import { z } from 'zod';
import { currentPasswordSchema, emptyBodySchema, mfaCodeSchema, objectIdSchema } from '../../lib/common.schemas';

const totpCodeSchema = z
  .string()
  .trim()
  .regex(/^\d{6}$/, { error: 'must be the 6-digit code your authenticator app shows' });

const userIdParams = z.strictObject({ id: objectIdSchema });

/** Request schemas of the MFA routes (/me/mfa/* and /users/:id/mfa). */
export function createMfaSchemas() {
  return {
    startEnrolment: { body: z.strictObject({ password: currentPasswordSchema }) },
    confirmEnrolment: { body: z.strictObject({ code: totpCodeSchema }) },
    disable: { body: z.strictObject({ password: currentPasswordSchema, code: mfaCodeSchema }) },
    regenerateRecoveryCodes: { body: z.strictObject({ password: currentPasswordSchema, code: mfaCodeSchema }) },
    resetByAdmin: { params: userIdParams, body: emptyBodySchema },
  };
}

export type MfaSchemas = ReturnType<typeof createMfaSchemas>;
