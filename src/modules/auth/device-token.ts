import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Fixed label of the MAC key derivation: the device-cookie key is never the signing secret itself. */
const KEY_LABEL = 'keyhold/device-cookie/v1';
/** d2 binds the account's credential version into the MAC (d1 cookies did not, and count as absent). */
const VERSION = 'd2';
const NONCE_BYTES = 16;
const ACCOUNT_ID = /^[0-9a-f]{24}$/;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const EXPIRY = /^[0-9]{1,12}$/;

/** What a valid device cookie proves: this browser completed a login to this account before. */
export interface DeviceIdentity {
  accountId: string;
  nonce: string;
}

export interface IssuedDeviceToken {
  value: string;
  maxAgeMs: number;
}

export interface DeviceTokens {
  /** A new token for an account that has just completed a login under this credential version. */
  issue(accountId: string, credentialVersion: number): IssuedDeviceToken;
  /**
   * The identity of the first presented token that is valid for this account at its current credential
   * version, or null when none is (each may be malformed, forged, expired, for another account, or
   * issued before a password reset or change).
   */
  verify(values: readonly string[], accountId: string, credentialVersion: number): DeviceIdentity | null;
}

function macKey(secret: string): Buffer {
  return createHmac('sha256', secret).update(KEY_LABEL).digest();
}

/**
 * The credential version is signed but not written into the cookie: a password reset or change moves
 * it, and every cookie issued before no longer verifies, without a list of cookies to revoke.
 */
function mac(key: Buffer, payload: string, credentialVersion: number): Buffer {
  return createHmac('sha256', key).update(`${payload}.${credentialVersion}`).digest();
}

/**
 * OWASP device cookies: `d2.<account id>.<expiry, epoch seconds>.<nonce>.<HMAC-SHA256>`, with a key
 * derived from JWT_SECRET (and JWT_PREVIOUS_SECRET while a rotation runs), so every instance checks
 * every other's cookies and none can be forged, extended or moved to another account.
 */
export function createDeviceTokens(options: { secret: string; previousSecret?: string; ttlMs: number; now: () => Date }): DeviceTokens {
  const signingKey = macKey(options.secret);
  const verifyingKeys = [signingKey, ...(options.previousSecret ? [macKey(options.previousSecret)] : [])];

  function verifyOne(value: string, accountId: string, credentialVersion: number): DeviceIdentity | null {
    const parts = value.split('.');
    if (parts.length !== 5) return null;
    const [version, account, expiry, nonce, signature] = parts as [string, string, string, string, string];
    if (version !== VERSION || !ACCOUNT_ID.test(account) || !EXPIRY.test(expiry) || !NONCE.test(nonce)) return null;
    const presented = Buffer.from(signature, 'base64url');
    const payload = parts.slice(0, 4).join('.');
    const authentic = verifyingKeys.some((key) => {
      const expected = mac(key, payload, credentialVersion);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    });
    if (!authentic || account !== accountId || Number(expiry) * 1000 <= options.now().getTime()) return null;
    return { accountId: account, nonce };
  }

  return {
    issue(accountId, credentialVersion) {
      const expiresAt = Math.floor((options.now().getTime() + options.ttlMs) / 1000);
      const payload = [VERSION, accountId, String(expiresAt), randomBytes(NONCE_BYTES).toString('base64url')].join('.');
      return { value: `${payload}.${mac(signingKey, payload, credentialVersion).toString('base64url')}`, maxAgeMs: options.ttlMs };
    },

    verify(values, accountId, credentialVersion) {
      for (const value of values) {
        const identity = verifyOne(value, accountId, credentialVersion);
        if (identity) return identity;
      }
      return null;
    },
  };
}
