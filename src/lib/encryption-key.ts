import { hkdfSync } from 'node:crypto';

const KEY_BYTES = 32;
/** Fewer distinct byte values than this in 32 bytes means a pattern (all zeros, a repeated word), not randomness. */
const MIN_DISTINCT_BYTES = 16;

/** A data-encryption key given as 64 hex or 44 base64 characters, normalised to hex; null when malformed. */
export function parseEncryptionKey(value: string): string | null {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) {
    const bytes = Buffer.from(text, 'base64');
    return bytes.length === KEY_BYTES ? bytes.toString('hex') : null;
  }
  return null;
}

/** Refuses keys that are patterns rather than random bytes. */
export function isStrongEncryptionKey(hexKey: string): boolean {
  return new Set(Buffer.from(hexKey, 'hex')).size >= MIN_DISTINCT_BYTES;
}

/** A stable key for development and tests, derived from the JWT secret (never used in production). */
export function developmentEncryptionKey(jwtSecret: string): string {
  return Buffer.from(hkdfSync('sha256', jwtSecret, 'keyhold', 'keyhold development data-encryption key', KEY_BYTES)).toString('hex');
}
