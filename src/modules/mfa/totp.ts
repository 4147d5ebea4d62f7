import { Secret, TOTP } from 'otpauth';

/** What authenticator apps expect: SHA-1, 6 digits, 30-second steps (RFC 6238 defaults). */
export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
const TOTP_ALGORITHM = 'SHA1';
/** Steps of clock drift accepted either side of the current one. */
const DRIFT_STEPS = 1;
const SECRET_BYTES = 20;

export const TOTP_CODE_PATTERN = /^\d{6}$/;

function totpFor(secretBase32: string, label = '', issuer = ''): TOTP {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** A fresh random secret (160 bits, as RFC 4226 recommends), base32-encoded. */
export function generateTotpSecret(): string {
  return new Secret({ size: SECRET_BYTES }).base32;
}

/** The otpauth:// URI an authenticator app scans. */
export function totpUri(secretBase32: string, account: string, issuer: string): string {
  return totpFor(secretBase32, account, issuer).toString();
}

/** The time step a code belongs to (current ± drift), or null when it matches none. */
export function matchTotpStep(secretBase32: string, code: string, at: Date): number | null {
  if (!TOTP_CODE_PATTERN.test(code)) return null;
  const timestamp = at.getTime();
  const delta = totpFor(secretBase32).validate({ token: code, timestamp, window: DRIFT_STEPS });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp }) + delta;
}
