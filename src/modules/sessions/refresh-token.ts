import { createHash, createHmac, randomBytes } from 'node:crypto';

const REFRESH_TOKEN_BYTES = 32;
// Fixed label: the successor key is used for nothing else, and knowing it reveals nothing about JWT_SECRET.
const SUCCESSOR_KEY_LABEL = 'keyhold refresh-token successor v1';

/** A new opaque refresh token: 256 bits of randomness, base64url. */
export function generateRefreshToken(): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
}

/** What the database stores in place of the token (and uses as its _id). */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface SuccessorDeriver {
  /** The successor every instance derives for this token with the current secret. */
  derive(token: string): string;
  /** The successor under each configured secret (current first), for a rotation made before a secret change. */
  candidates(token: string): string[];
}

/**
 * Successors are HMACs of the presented token under a key derived from the signing secret, so every
 * instance derives the same successor for the same token and can hand it out again without storing it
 * in the clear; only a holder of the token (or of the secret) can compute it.
 */
export function createSuccessorDeriver(secrets: { secret: string; previousSecret?: string | undefined }): SuccessorDeriver {
  const keys = [secrets.secret, secrets.previousSecret]
    .filter((secret): secret is string => Boolean(secret))
    .map((secret) => createHmac('sha256', secret).update(SUCCESSOR_KEY_LABEL).digest());
  const derive = (key: Buffer, token: string): string => createHmac('sha256', key).update(token).digest('base64url');
  return {
    derive: (token) => derive(keys[0]!, token),
    candidates: (token) => keys.map((key) => derive(key, token)),
  };
}
