import { z } from 'zod';

export const MAX_EMAIL_LENGTH = 254;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH)
  .pipe(z.email({ error: 'must be a valid email address' }));

export const nameSchema = z.string().trim().min(1).max(100);

/** Hex ids are case-insensitive; they leave validation in lower case, the form the database returns. */
export const objectIdSchema = z
  .string()
  .regex(/^[a-f0-9]{24}$/i, { error: 'must be a 24-character hexadecimal id' })
  .toLowerCase();

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
}

/** Counts characters (code points), not UTF-16 units or bytes, so every character a user typed counts. */
export function passwordSchema(policy: PasswordPolicy) {
  return z
    .string()
    .refine((value) => [...value].length >= policy.minLength, { error: `must be at least ${policy.minLength} characters` })
    .refine((value) => [...value].length <= policy.maxLength, { error: `must be at most ${policy.maxLength} characters` })
    .meta({ minLength: policy.minLength, maxLength: policy.maxLength, description: 'Counted in characters (code points).' });
}

/** A password presented to re-authenticate: no policy rules, so nothing is revealed about valid ones. */
export const currentPasswordSchema = z.string().min(1).max(1024);

/** A second-factor code: a 6-digit TOTP code or a recovery code (groups and spaces allowed). */
export const mfaCodeSchema = z
  .string()
  .trim()
  .min(6)
  .max(64)
  .meta({ description: 'A current 6-digit TOTP code or an unused recovery code.', examples: ['123456'] });

/** For routes that take no body: nothing, or an empty JSON object. */
export const emptyBodySchema = z.strictObject({}).optional();

export function paginationQuery(limits: { defaultLimit: number; maxLimit: number }) {
  return {
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    limit: z.coerce.number().int().min(1).max(limits.maxLimit).default(limits.defaultLimit),
  };
}
