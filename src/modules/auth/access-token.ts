import { createHmac, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UnauthenticatedError } from '../../errors/app-error';

const ALGORITHM = 'HS256';
const TOKEN_TYPE = 'access';

export interface AccessClaims {
  userId: string;
  sessionId: string;
}

export interface AccessTokenOptions {
  secret: string;
  previousSecret?: string;
  issuer: string;
  audience: string;
  ttlMs: number;
  now: () => Date;
}

export interface AccessTokenIssuer {
  sign(claims: AccessClaims): { token: string; expiresIn: number };
  verify(token: string): AccessClaims;
}

const KEY_ID_LABEL = 'keyhold/access-token/kid/v1';

/**
 * A key id derived from the secret, so a token names the key it was signed with (rotation): the same
 * on every instance that holds the secret. Keyed by the secret, unlike a plain hash of it, so it
 * confirms a guessed secret no better than the token's own signature already does.
 */
function keyIdOf(secret: string): string {
  return createHmac('sha256', secret).update(KEY_ID_LABEL).digest('base64url').slice(0, 16);
}

/** The `kid` a token's header names; undefined when the header is not readable JSON. */
function keyIdOfToken(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    const kid = typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signs and verifies access JWTs. Keys are KeyObjects built once: jsonwebtoken re-derives a key from a
 * string secret on every call, which costs far more than the HMAC itself.
 */
export function createAccessTokenIssuer(options: AccessTokenOptions): AccessTokenIssuer {
  const currentKeyId = keyIdOf(options.secret);
  const keys = new Map<string, KeyObject>([[currentKeyId, createSecretKey(Buffer.from(options.secret))]]);
  if (options.previousSecret) keys.set(keyIdOf(options.previousSecret), createSecretKey(Buffer.from(options.previousSecret)));
  const currentKey = keys.get(currentKeyId)!;
  const expiresIn = Math.floor(options.ttlMs / 1000);

  function sign(claims: AccessClaims): { token: string; expiresIn: number } {
    const iat = Math.floor(options.now().getTime() / 1000);
    const payload = { sub: claims.userId, sid: claims.sessionId, typ: TOKEN_TYPE, iat, exp: iat + expiresIn };
    const token = jwt.sign(payload, currentKey, {
      algorithm: ALGORITHM,
      keyid: currentKeyId,
      issuer: options.issuer,
      audience: options.audience,
      jwtid: randomUUID(),
    });
    return { token, expiresIn };
  }

  function verify(token: string): AccessClaims {
    const key = keys.get(keyIdOfToken(token) ?? '');
    if (!key) throw new UnauthenticatedError('TOKEN_INVALID', 'The access token is not valid.');
    let payload: jwt.JwtPayload | string;
    try {
      payload = jwt.verify(token, key, {
        algorithms: [ALGORITHM],
        issuer: options.issuer,
        audience: options.audience,
        clockTimestamp: Math.floor(options.now().getTime() / 1000),
      });
    } catch (error) {
      if (error instanceof jwt.TokenExpiredError) throw new UnauthenticatedError('TOKEN_EXPIRED', 'The access token has expired.');
      throw new UnauthenticatedError('TOKEN_INVALID', 'The access token is not valid.');
    }
    // jsonwebtoken accepts a token without `exp` as valid forever; ours always carry one.
    if (
      typeof payload === 'string' ||
      payload.typ !== TOKEN_TYPE ||
      typeof payload.exp !== 'number' ||
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string'
    ) {
      throw new UnauthenticatedError('TOKEN_INVALID', 'The access token is not valid.');
    }
    return { userId: payload.sub, sessionId: payload.sid };
  }

  return { sign, verify };
}
