import { z } from 'zod';
import { emailSchema, emptyBodySchema, passwordSchema, type PasswordPolicy } from '../../lib/common.schemas';

/** A token from a mailed link; its shape says nothing about validity, so any short string is looked up. */
const linkTokenSchema = z.string().min(1).max(256).meta({ description: 'The `token` query parameter of the mailed link.' });

/** A current TOTP code or an unused recovery code. */
export const secondFactorCodeSchema = z.string().trim().min(1).max(64);

/** Request schemas of password reset, address verification and address change. */
export function createAccountRecoverySchemas(policy: PasswordPolicy) {
  const addressOnly = z.strictObject({ email: emailSchema }).meta({ examples: [{ email: 'ada@example.com' }] });
  return {
    forgotPassword: { body: addressOnly },
    resetPassword: { body: z.strictObject({ token: linkTokenSchema, newPassword: passwordSchema(policy) }) },
    verifyEmail: { body: z.strictObject({ token: linkTokenSchema }) },
    requestVerification: { body: addressOnly },
    resendVerification: { body: emptyBodySchema },
    changeEmail: {
      body: z
        .strictObject({ newEmail: emailSchema, password: z.string().min(1).max(1024), code: secondFactorCodeSchema.optional() })
        .meta({ examples: [{ newEmail: 'ada@new.example.com', password: 'correct horse battery staple' }] }),
    },
    revertEmail: { body: z.strictObject({ token: linkTokenSchema }) },
  };
}

export type AccountRecoverySchemas = ReturnType<typeof createAccountRecoverySchemas>;
