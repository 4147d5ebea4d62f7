import { z } from 'zod';
import { emptyBodySchema, nameSchema, objectIdSchema, passwordSchema, type PasswordPolicy } from './common.schemas';

/** Request schemas of the /me routes. */
export function createMeSchemas(policy: PasswordPolicy) {
  return {
    updateProfile: { body: z.strictObject({ name: nameSchema.nullable() }) },
    changePassword: {
      body: z.strictObject({ currentPassword: z.string().min(1).max(1024), newPassword: passwordSchema(policy) }),
    },
    deleteAccount: { body: z.strictObject({ password: z.string().min(1).max(1024) }) },
    revokeSession: { params: z.strictObject({ sessionId: objectIdSchema }), body: emptyBodySchema },
  };
}

export type MeSchemas = ReturnType<typeof createMeSchemas>;
