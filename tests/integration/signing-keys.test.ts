import { createHash, createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { createTestContext, TEST_ENV, useTestApp } from '../support/context';
import { buildUser, loginAs, type SignedIn } from '../support/factories';

const SECRET = TEST_ENV.JWT_SECRET!;
const NEXT_SECRET = 'the-secret-we-rotate-to-in-this-test-0123456789';

function keyIdFor(token: string): string {
  return jwt.decode(token, { complete: true })?.header.kid as string;
}

describe('access token signing keys', () => {
  const ctx = useTestApp();
  let signedIn: SignedIn;
  beforeAll(async () => {
    signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
  });
  const me = (app: typeof ctx.app, token: string) => request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);

  it('when a token is issued, then its kid reveals no plain hash of the secret and is the same on every instance', async () => {
    const kid = keyIdFor(signedIn.accessToken);
    const plainHashes = ['sha256', 'sha1', 'sha512', 'md5'].flatMap((algorithm) => {
      const digest = createHash(algorithm).update(SECRET).digest();
      return [digest.toString('base64url'), digest.toString('hex'), digest.toString('base64')];
    });
    expect(kid).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(plainHashes.some((hash) => hash.startsWith(kid))).toBe(false);

    const otherInstance = createTestContext();
    try {
      const there = await loginAs(otherInstance.app, signedIn);
      expect(keyIdFor(there.accessToken)).toBe(kid);
      expect((await me(otherInstance.app, signedIn.accessToken)).status).toBe(200);
    } finally {
      await otherInstance.container.close();
    }
  });

  it('when the secret is rotated, then tokens of the previous secret still verify, new ones carry the new kid, and a kid/key mismatch fails', async () => {
    const rotated = createTestContext({ JWT_SECRET: NEXT_SECRET, JWT_PREVIOUS_SECRET: SECRET });
    try {
      expect((await me(rotated.app, signedIn.accessToken)).status).toBe(200);
      const fresh = await loginAs(rotated.app, signedIn);
      expect(keyIdFor(fresh.accessToken)).not.toBe(keyIdFor(signedIn.accessToken));
      expect((await me(rotated.app, fresh.accessToken)).status).toBe(200);

      const claims = { sub: signedIn.id, sid: signedIn.sessionId, typ: 'access' };
      const underWrongKid = jwt.sign(claims, createSecretKey(Buffer.from(SECRET)), {
        algorithm: 'HS256',
        keyid: keyIdFor(fresh.accessToken),
        issuer: 'keyhold',
        audience: 'keyhold-api',
        expiresIn: 300,
      });
      expect((await me(rotated.app, underWrongKid)).body.code).toBe('TOKEN_INVALID');
      // The old instance, which never learnt the new secret, refuses tokens of the new one.
      expect((await me(ctx.app, fresh.accessToken)).body.code).toBe('TOKEN_INVALID');
    } finally {
      await rotated.container.close();
    }
  });

  it('when a correctly signed token has no exp, then 401 TOKEN_INVALID', async () => {
    const forever = jwt.sign({ sub: signedIn.id, sid: signedIn.sessionId, typ: 'access' }, createSecretKey(Buffer.from(SECRET)), {
      algorithm: 'HS256',
      keyid: keyIdFor(signedIn.accessToken),
      issuer: 'keyhold',
      audience: 'keyhold-api',
    });
    expect(jwt.decode(forever, { json: true })?.exp).toBeUndefined();
    const response = await me(ctx.app, forever);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('TOKEN_INVALID');
  });
});
