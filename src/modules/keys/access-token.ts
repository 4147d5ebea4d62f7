import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from '../../config/env';
import { UnauthenticatedError } from '../../errors/app-error';
import type { KeyRing } from './key-ring.service';

/** RFC 9068 access tokens: `typ` in the header says what the token is for. */
const TOKEN_TYPE = 'at+jwt';

/** What an access token says about its holder. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
}

/** What a new access token carries beyond the ids: for other services (Keyhold itself reads the stored values). */
export interface AccessGrant extends AccessClaims {
  role: string;
  amr: readonly string[];
  /** When the session's login happened. */
  authTime: Date;
}

export interface AccessTokenIssuer {
  sign(grant: AccessGrant): Promise<{ token: string; expiresIn: number }>;
  verify(token: string): Promise<AccessClaims>;
}

const invalidToken = () => new UnauthenticatedError('TOKEN_INVALID', 'The access token is not valid.');

/** The header of a compact JWS, or null when it is not readable JSON. */
function headerOf(token: string): { kid?: unknown; typ?: unknown; alg?: unknown } | null {
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null ? header : null;
  } catch {
    return null;
  }
}

/**
 * Signs access tokens with the ring's current key and verifies them against every published key,
 * pinning the algorithm to the key's own. Tokens already verified are remembered (a bounded cache,
 * emptied whenever the ring changes, so a revoked key's tokens are refused as soon as this instance
 * reloads), which keeps a request's cost at a map lookup instead of a signature check.
 */
export function createAccessTokenIssuer(options: {
  ring: KeyRing;
  settings: Pick<Config['tokens'], 'issuer' | 'audience' | 'accessTtlMs' | 'cacheSize' | 'maxTokenLength'>;
  now: () => Date;
}): AccessTokenIssuer {
  const { ring, settings } = options;
  const expiresIn = Math.floor(settings.accessTtlMs / 1000);
  const verified = new Map<string, { claims: AccessClaims; exp: number }>();
  ring.onChange(() => verified.clear());

  function remember(token: string, claims: AccessClaims, exp: number): void {
    if (settings.cacheSize === 0) return;
    if (verified.size >= settings.cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(token, { claims, exp });
  }

  async function sign(grant: AccessGrant): Promise<{ token: string; expiresIn: number }> {
    const signer = await ring.signer();
    const iat = Math.floor(options.now().getTime() / 1000);
    const payload = {
      sub: grant.userId,
      sid: grant.sessionId,
      role: grant.role,
      amr: grant.amr,
      auth_time: Math.floor(grant.authTime.getTime() / 1000),
      iat,
      exp: iat + expiresIn,
    };
    const token = jwt.sign(payload, signer.key, {
      algorithm: signer.alg,
      keyid: signer.kid,
      header: { alg: signer.alg, typ: TOKEN_TYPE, kid: signer.kid },
      issuer: settings.issuer,
      audience: settings.audience,
      jwtid: randomUUID(),
    });
    return { token, expiresIn };
  }

  async function verify(token: string): Promise<AccessClaims> {
    if (token.length > settings.maxTokenLength) throw invalidToken();
    const nowSeconds = Math.floor(options.now().getTime() / 1000);
    const cached = verified.get(token);
    if (cached) {
      if (cached.exp > nowSeconds) return cached.claims;
      verified.delete(token);
    }
    const header = headerOf(token);
    if (!header || header.typ !== TOKEN_TYPE || typeof header.kid !== 'string') throw invalidToken();
    const verifier = await ring.verifierFor(header.kid);
    if (!verifier) throw invalidToken();
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, verifier.key, {
        algorithms: [verifier.alg],
        issuer: settings.issuer,
        audience: settings.audience,
        clockTimestamp: nowSeconds,
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new UnauthenticatedError('TOKEN_EXPIRED', 'The access token has expired.');
      throw invalidToken();
    }
    // jsonwebtoken accepts a token without `exp` as valid forever; ours always carry one.
    if (
      typeof payload === 'string' ||
      typeof payload.exp !== 'number' ||
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string'
    ) {
      throw invalidToken();
    }
    const claims = { userId: payload.sub, sessionId: payload.sid };
    remember(token, claims, payload.exp);
    return claims;
  }

  return { sign, verify };
}
