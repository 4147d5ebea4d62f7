import { createHash, randomBytes } from 'node:crypto';

const REFRESH_TOKEN_BYTES = 32;

/** A new opaque refresh token: 256 bits of randomness, base64url. */
export function generateRefreshToken(): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
}

/** What the database stores in place of the token (and uses as its _id). */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
