import { z } from 'zod';
import {
  currentPasswordSchema,
  emptyBodySchema,
  mfaCodeSchema,
  nameSchema,
  objectIdSchema,
  passwordSchema,
  type PasswordPolicy,
} from '../../lib/common.schemas';

/** Request schemas of the /me routes. */
export function createMeSchemas(policy: PasswordPolicy) {
  return {
    updateProfile: { body: z.strictObject({ name: nameSchema.nullable() }) },
    changePassword: {
      body: z.strictObject({ currentPassword: currentPasswordSchema, newPassword: passwordSchema(policy) }),
    },
    deleteAccount: { body: z.strictObject({ password: currentPasswordSchema, code: mfaCodeSchema.optional() }) },
    revokeSession: { params: z.strictObject({ sessionId: objectIdSchema }), body: emptyBodySchema },
  };
}

export type MeSchemas = ReturnType<typeof createMeSchemas>;
