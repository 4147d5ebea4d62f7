import { z } from 'zod';
import { passkeySignInSchemas } from '../passkeys';
import { exchangeBodySchema } from '../identities';
import { emailSchema, emptyBodySchema, mfaCodeSchema, nameSchema, passwordSchema, type PasswordPolicy } from '../../lib/common.schemas';

/** Request schemas of the /auth routes; the password rules come from configuration. */
export function createAuthSchemas(policy: PasswordPolicy) {
  return {
    register: {
      body: z
        .strictObject({ email: emailSchema, password: passwordSchema(policy), name: nameSchema.optional() })
        .meta({ examples: [{ email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada Lovelace' }] }),
    },
    login: {
      // No length rules here: a login must not tell which passwords could never be valid.
      body: z
        .strictObject({ email: emailSchema, password: z.string().min(1).max(1024) })
        .meta({ examples: [{ email: 'ada@example.com', password: 'correct horse battery staple' }] }),
    },
    verifyMfa: { body: z.strictObject({ mfaToken: z.string().min(1).max(200), code: mfaCodeSchema }) },
    passkeyOptions: passkeySignInSchemas.options,
    signInWithPasskey: passkeySignInSchemas.verify,
    exchangeOAuthCode: { body: exchangeBodySchema },
    refresh: { body: emptyBodySchema },
    logout: { body: emptyBodySchema },
    logoutAll: { body: emptyBodySchema },
  };
}

export type AuthSchemas = ReturnType<typeof createAuthSchemas>;
