import { z } from 'zod';

export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 100;

// Patterns are written so that JavaScript and the JSON Schema tools that read the OpenAPI document
// (ECMA-262 or Python `re`) agree on every string: explicit classes, no `\s`, no flags, no lookaround.

/** The whitespace String.prototype.trim removes. */
const WHITESPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** Control characters, line/paragraph separators and the bidirectional controls that can disguise a name. */
const FORBIDDEN_IN_NAMES = '\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';

const EMAIL_ADDRESS = "[A-Za-z0-9_'+-]+(?:\\.[A-Za-z0-9_'+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\\.)+[A-Za-z]{2,}";
/** An address as the server accepts it (surrounding spaces allowed and dropped); also the documented pattern. */
const EMAIL_PATTERN = new RegExp(`^ *${EMAIL_ADDRESS} *$`);
/** At least one visible character, and none of the forbidden ones anywhere. */
const NAME_PATTERN = new RegExp(`^[^${FORBIDDEN_IN_NAMES}]*[^${FORBIDDEN_IN_NAMES}${WHITESPACE}][^${FORBIDDEN_IN_NAMES}]*$`);
/** Contains something other than whitespace. */
const NOT_ONLY_WHITESPACE = new RegExp(`[^${WHITESPACE}]`);

export const emailSchema = z
  .string()
  .max(MAX_EMAIL_LENGTH)
  .regex(EMAIL_PATTERN, { error: 'must be a valid email address' })
  .overwrite((value) => value.trim().toLowerCase());

/** An address as stored and returned: what `emailSchema` leaves (trimmed, lower case). */
export const storedEmailSchema = z.string().regex(new RegExp(`^${EMAIL_ADDRESS}$`));

/** A display name: trimmed, at most 100 characters (code points), no control or bidirectional characters. */
export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, { error: 'must contain visible characters and no control or bidirectional-override characters' })
  .refine((value) => [...value].length <= MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
  .trim()
  .meta({ maxLength: MAX_NAME_LENGTH });

/** Hex ids compare without regard to case; they leave validation in lower case, the form the database returns. */
export const objectIdSchema = z
  .string()
  .regex(/^[0-9A-Fa-f]{24}$/, { error: 'must be a 24-character hexadecimal id' })
  .toLowerCase();

export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
}

/** Counts characters (code points), not UTF-16 units or bytes, so every character a user typed counts. */
export function passwordSchema(policy: PasswordPolicy) {
  return z
    .string()
    .regex(NOT_ONLY_WHITESPACE, { error: 'must not be only spaces' })
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
