import { z } from 'zod';
import { emptyBodySchema } from '../../lib/common.schemas';

/** A kid is an RFC 7638 SHA-256 thumbprint: 43 base64url characters. */
const kidSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'must be a key id (43 base64url characters)' });

/** Request schemas of the signing-key admin routes (/api/v1/signing-keys). */
export function createKeysSchemas() {
  return {
    list: {},
    rotate: { body: z.strictObject({ immediate: z.boolean().optional() }) },
    revoke: { params: z.strictObject({ kid: kidSchema }), body: emptyBodySchema },
  };
}

export type KeysSchemas = ReturnType<typeof createKeysSchemas>;
