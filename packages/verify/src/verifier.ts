import { URL } from 'node:url';
import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload, JWTVerifyGetKey } from 'jose';
import { KeyholdTokenError, tokenExpired, tokenInvalid } from './errors.js';

/** The roles Keyhold knows today; other strings are accepted so a new role needs no new release. */
export type KeyholdRole = 'user' | 'moderator' | 'admin' | (string & {});

/** The claims of a verified Keyhold access token (RFC 9068 profile). */
export interface KeyholdClaims extends JWTPayload {
  iss: string;
  aud: string | string[];
  /** The user's id. */
  sub: string;
  /** The Keyhold session the token was issued for. */
  sid: string;
  exp: number;
  role?: KeyholdRole;
  /** How the user signed in, e.g. `["pwd"]` or `["pwd", "otp"]`. */
  amr?: string[];
  auth_time?: number;
}

export interface KeyholdVerifierOptions {
  /** Keyhold's `TOKEN_ISSUER`, exactly as tokens carry it in `iss` (e.g. `https://auth.example.com`). */
  issuer: string;
  /** Keyhold's `TOKEN_AUDIENCE` (default there: `keyhold-api`); a token must name one of these in `aud`. */
  audience: string | readonly string[];
  /** Where the public keys are; default `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /** Clock skew allowed on `exp`, `nbf`: 0 to 30 seconds, default 30. */
  clockToleranceSeconds?: number;
  /** Give up on a key-set fetch after this long (default 3000 ms); the request then answers 503. */
  fetchTimeoutMs?: number;
  /** After a fetch, an unknown `kid` triggers no new fetch for this long (default 30000 ms). */
  cooldownMs?: number;
  /** Refetch the key set when the cached copy is older than this (default 300000 ms); bounds revocation lag. */
  cacheMaxAge?: number;
  /** Longer tokens are refused before they are parsed (default 4096 characters). */
  maxTokenLength?: number;
}

export interface KeyholdVerifier {
  /** Resolves to the token's claims, or rejects with a {@link KeyholdTokenError}. */
  verify(token: string): Promise<KeyholdClaims>;
  /** The key-set URL this verifier fetches. */
  readonly jwksUri: string;
}

export const ACCEPTED_ALGORITHMS: readonly string[] = ['ES256', 'RS256'];
export const TOKEN_TYPE = 'at+jwt';
export const MAX_CLOCK_TOLERANCE_SECONDS = 30;
const DEFAULTS = { fetchTimeoutMs: 3_000, cooldownMs: 30_000, cacheMaxAge: 300_000, maxTokenLength: 4_096 };
/** After a failed fetch, requests that need the key set fail at once for this long instead of retrying. */
const MAX_FAILURE_BACKOFF_MS = 1_000;

/** The key set could not be fetched or read; the token itself may well be fine. */
class KeySetUnavailable extends Error {}

/**
 * A verifier for Keyhold access tokens: signature against Keyhold's published keys (fetched, cached,
 * refetched on an unknown `kid` at most once per cooldown), algorithm pinned to ES256/RS256, `typ`
 * `at+jwt`, and `iss`, `aud`, `exp`, `sub`, `sid` required. Throws at once on unusable options.
 */
export function createKeyholdVerifier(options: KeyholdVerifierOptions): KeyholdVerifier {
  const settings = settingsOf(options);
  const jwksUrl = jwksUrlOf(options);
  const failureBackoffMs = Math.min(settings.cooldownMs, MAX_FAILURE_BACKOFF_MS);
  const remoteKeys = createRemoteJWKSet(jwksUrl, {
    timeoutDuration: settings.fetchTimeoutMs,
    cooldownDuration: settings.cooldownMs,
    cacheMaxAge: settings.cacheMaxAge,
    [customFetch]: createKeySetFetcher(failureBackoffMs),
  });
  const keyFor = keyResolver(remoteKeys);
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];

  async function verify(token: string): Promise<KeyholdClaims> {
    if (typeof token !== 'string' || token.length === 0 || token.length > settings.maxTokenLength) throw tokenInvalid();
    try {
      const { payload } = await jwtVerify(token, keyFor, {
        issuer: options.issuer,
        audience,
        algorithms: [...ACCEPTED_ALGORITHMS],
        typ: TOKEN_TYPE,
        clockTolerance: settings.clockToleranceSeconds,
        requiredClaims: ['iss', 'aud', 'exp', 'sub', 'sid'],
      });
      return assertKeyholdClaims(payload);
    } catch (error) {
      throw toTokenError(error, failureBackoffMs);
    }
  }

  return { verify, jwksUri: jwksUrl.href };
}

function settingsOf(options: KeyholdVerifierOptions) {
  if (typeof options.issuer !== 'string' || options.issuer === '') throw new TypeError('issuer is required');
  const audiences = typeof options.audience === 'string' ? [options.audience] : options.audience;
  if (!Array.isArray(audiences) || audiences.length === 0 || audiences.some((aud) => typeof aud !== 'string' || aud === '')) {
    throw new TypeError('audience is required (a string or a non-empty array of strings)');
  }
  const clockToleranceSeconds = options.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS;
  assertRange('clockToleranceSeconds', clockToleranceSeconds, 0, MAX_CLOCK_TOLERANCE_SECONDS);
  const settings = {
    clockToleranceSeconds,
    fetchTimeoutMs: options.fetchTimeoutMs ?? DEFAULTS.fetchTimeoutMs,
    cooldownMs: options.cooldownMs ?? DEFAULTS.cooldownMs,
    cacheMaxAge: options.cacheMaxAge ?? DEFAULTS.cacheMaxAge,
    maxTokenLength: options.maxTokenLength ?? DEFAULTS.maxTokenLength,
  };
  assertRange('fetchTimeoutMs', settings.fetchTimeoutMs, 1, 60_000, true);
  assertRange('cooldownMs', settings.cooldownMs, 0, Number.MAX_SAFE_INTEGER);
  assertRange('cacheMaxAge', settings.cacheMaxAge, 0, Number.MAX_SAFE_INTEGER);
  assertRange('maxTokenLength', settings.maxTokenLength, 1, Number.MAX_SAFE_INTEGER, true);
  return settings;
}

function assertRange(name: string, value: number, min: number, max: number, integer = false): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${name} must be ${integer ? 'an integer ' : ''}between ${min} and ${max}`);
  }
}

/** `jwksUri`, or the issuer's well-known path (one slash, however the issuer ends). */
function jwksUrlOf(options: KeyholdVerifierOptions): URL {
  const href = options.jwksUri ?? `${options.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    throw new TypeError(`jwksUri is not an absolute URL: ${href}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`jwksUri must be http(s): ${href}`);
  return url;
}

/**
 * Fetches the key set for jose, and refuses to try again within `backoffMs` of a failure, so a flood of
 * requests while Keyhold is unreachable costs Keyhold one attempt per backoff, not one per request.
 */
function createKeySetFetcher(backoffMs: number): FetchImplementation {
  let failedAt = Number.NEGATIVE_INFINITY;
  return async function fetchKeySet(url, init) {
    if (Date.now() - failedAt < backoffMs) throw new KeySetUnavailable(`The key set at ${url} could not be fetched moments ago.`);
    try {
      const response = await globalThis.fetch(url, init);
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`${url} answered HTTP ${response.status}`);
      }
      const body = await response.text();
      const keySet: unknown = JSON.parse(body);
      if (!isKeySetShaped(keySet)) throw new Error(`${url} did not answer a JSON Web Key Set`);
      return new globalThis.Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (cause) {
      failedAt = Date.now();
      throw new KeySetUnavailable(`The key set at ${url} could not be fetched.`, { cause });
    }
  };
}

function isKeySetShaped(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const keys: unknown = (value as { keys?: unknown }).keys;
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}

/**
 * Requires a `kid` (Keyhold always sends one) and tells "no such key" (the token's fault) apart from
 * "cannot get the keys" (ours): anything but a failed match means the key set is unusable right now.
 */
function keyResolver(remoteKeys: JWTVerifyGetKey): JWTVerifyGetKey {
  return async function keyFor(protectedHeader, token) {
    if (typeof protectedHeader.kid !== 'string' || protectedHeader.kid === '') throw new errors.JWSInvalid('"kid" header is required');
    try {
      return await remoteKeys(protectedHeader, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      if (error instanceof KeySetUnavailable) throw error;
      throw new KeySetUnavailable('The key set could not be used.', { cause: error });
    }
  };
}

function assertKeyholdClaims(payload: JWTPayload): KeyholdClaims {
  const { sub, sid, role, amr } = payload as Record<string, unknown>;
  const isNonEmptyString = (value: unknown) => typeof value === 'string' && value !== '';
  if (!isNonEmptyString(sub) || !isNonEmptyString(sid)) throw tokenInvalid();
  if (role !== undefined && typeof role !== 'string') throw tokenInvalid();
  if (amr !== undefined && !(Array.isArray(amr) && amr.every((method) => typeof method === 'string'))) throw tokenInvalid();
  return payload as KeyholdClaims;
}

function toTokenError(error: unknown, failureBackoffMs: number): KeyholdTokenError {
  if (error instanceof KeyholdTokenError) return error;
  if (error instanceof KeySetUnavailable) {
    return new KeyholdTokenError('SERVICE_UNAVAILABLE', "Keyhold's signing keys cannot be fetched right now; try again shortly.", {
      cause: error,
      retryAfterSeconds: Math.max(1, Math.ceil(failureBackoffMs / 1000)),
    });
  }
  if (error instanceof errors.JWTExpired) return tokenExpired(error);
  // Anything else (jose's errors, and whatever else a hostile token provokes) fails closed.
  return tokenInvalid(error);
}
