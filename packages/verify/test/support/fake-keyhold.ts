import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';

export const AUDIENCE = 'keyhold-api';

export interface SigningKey {
  alg: 'ES256' | 'RS256';
  kid: string;
  privateKey: CryptoKey;
  /** The public JWK as Keyhold publishes it: `kid` (RFC 7638 thumbprint), `alg`, `use: "sig"`. */
  publicJwk: JWK;
}

/** A key pair made the way Keyhold makes its signing keys. */
export async function createSigningKey(alg: SigningKey['alg'] = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { alg, kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export interface TokenOverrides {
  /** Claims to add or change; `undefined` leaves a claim out. */
  claims?: Record<string, unknown>;
  /** Header members to change (e.g. `typ`, `kid`); `alg` stays the key's. */
  header?: Record<string, unknown>;
  /** Seconds from now; negative for an expired token. Default 300 (JWT_ACCESS_TTL). */
  expiresIn?: number;
}

/** An access token as Keyhold signs it, with anything overridable. */
export async function signAccessToken(key: SigningKey, issuer: string, overrides: TokenOverrides = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: issuer,
    aud: AUDIENCE,
    sub: '665f1c2e8a1b2c3d4e5f6a7b',
    sid: '665f1c2e8a1b2c3d4e5f6a7c',
    role: 'user',
    amr: ['pwd'],
    auth_time: now,
    iat: now,
    exp: now + (overrides.expiresIn ?? 300),
    jti: randomUUID(),
    ...overrides.claims,
  };
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid, ...overrides.header }).sign(key.privateKey);
}

export type FakeKeyholdMode = 'up' | 'hang' | 'error' | 'not-a-key-set';

export interface FakeKeyhold {
  /** `http://127.0.0.1:<port>`: the issuer, and the base of the JWKS URL. */
  issuer: string;
  jwksUri: string;
  /** How many times the JWKS has been requested. */
  readonly fetches: number;
  /** `up` serves the keys; `hang` never answers; `error` answers 500; `not-a-key-set` answers 200 with other JSON. */
  mode: FakeKeyholdMode;
  publish(...keys: SigningKey[]): void;
  unpublish(kid: string): void;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that serves a JWKS the way Keyhold does. */
export async function startFakeKeyhold(...keys: SigningKey[]): Promise<FakeKeyhold> {
  const published = new Map(keys.map((key) => [key.kid, key.publicJwk]));
  let fetches = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    if (fake.mode === 'hang') return;
    if (fake.mode === 'error') {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    const body = JSON.stringify(fake.mode === 'not-a-key-set' ? { status: 'ok' } : { keys: [...published.values()] });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'public, max-age=600', ETag: `"${fetches}"` }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeKeyhold = {
    issuer,
    jwksUri: `${issuer}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    mode: 'up',
    publish: (...more) => more.forEach((key) => published.set(key.kid, key.publicJwk)),
    unpublish: (kid) => void published.delete(kid),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

/** A loopback port with nothing listening on it (a Keyhold that is down). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
