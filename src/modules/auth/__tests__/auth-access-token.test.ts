import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { createTestClock, TEST_ENV, useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs, type SignedIn } from '../../../../tests/support/factories';

const ME = '/api/v1/me';
const ISSUER = 'http://localhost:3000';

function keyIdFor(token: string): string {
  return (jwt.decode(token, { complete: true })?.header.kid as string) ?? '';
}

describe('Bearer authentication', () => {
  const clock = createTestClock();
  const ctx = useTestApp(
    { JWT_ACCESS_TTL: '5m', SESSION_IDLE_TTL: '30m', SESSION_ABSOLUTE_TTL: '2h', SESSION_TOUCH_INTERVAL: '60s' },
    { clock: clock.now },
  );
  let signedIn: SignedIn;
  let signingKey: KeyObject;
  beforeAll(async () => {
    signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    signingKey = (await ctx.container.keyRing.signer()).key;
  });

  const me = (token: string) => request(ctx.app).get(ME).set('Authorization', `Bearer ${token}`);

  /** A token signed with the ring's own current key, so only the changed part can make it fail. */
  function forge(payload: Record<string, unknown>, options: jwt.SignOptions = {}): string {
    const claims = { sub: signedIn.id, sid: signedIn.sessionId, ...payload };
    return jwt.sign(claims, signingKey, {
      algorithm: 'ES256',
      header: { alg: 'ES256', typ: 'at+jwt', kid: keyIdFor(signedIn.accessToken) },
      issuer: ISSUER,
      audience: 'keyhold-api',
      expiresIn: 300,
      ...options,
    });
  }

  it('when the token is valid, then the caller, the session and the claims are as documented', async () => {
    const response = await me(signedIn.accessToken);
    expect(response.status).toBe(200);
    expect(response.body.data.user.id).toBe(signedIn.id);
    expect(response.body.data.session).toMatchObject({ id: signedIn.sessionId, current: true });
    const decoded = jwt.decode(signedIn.accessToken, { complete: true })!;
    expect(decoded.header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(decoded.payload).toEqual({
      sub: signedIn.id,
      sid: signedIn.sessionId,
      role: 'user',
      amr: ['pwd'],
      auth_time: expect.any(Number),
      iss: ISSUER,
      aud: 'keyhold-api',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.any(String),
    });
  });

  it('when no token is sent, then 401 UNAUTHENTICATED with WWW-Authenticate', async () => {
    const response = await request(ctx.app).get(ME);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHENTICATED');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it.each([
    ['tampered payload', () => signedIn.accessToken.replace(/\.([^.]+)\./, (_m, body: string) => `.${body.slice(0, -2)}AA.`)],
    ['tampered signature', () => `${signedIn.accessToken.slice(0, -4)}AAAA`],
    [
      'HS256 signature made with JWT_SECRET',
      () =>
        jwt.sign({ sub: signedIn.id, sid: signedIn.sessionId }, createSecretKey(Buffer.from(TEST_ENV.JWT_SECRET!)), {
          algorithm: 'HS256',
          header: { alg: 'HS256', typ: 'at+jwt', kid: keyIdFor(signedIn.accessToken) },
          issuer: ISSUER,
          audience: 'keyhold-api',
          expiresIn: 300,
        }),
    ],
    ['wrong typ', () => forge({}, { header: { alg: 'ES256', typ: 'JWT', kid: keyIdFor(signedIn.accessToken) } })],
    ['wrong aud', () => forge({}, { audience: 'someone-else' })],
    ['wrong iss', () => forge({}, { issuer: 'evil' })],
    [
      'alg none',
      () =>
        jwt.sign({ sub: signedIn.id, sid: signedIn.sessionId, iss: ISSUER, aud: 'keyhold-api' }, null, {
          algorithm: 'none',
          header: { alg: 'none', typ: 'at+jwt', kid: keyIdFor(signedIn.accessToken) },
        }),
    ],
    ['unknown kid', () => forge({}, { header: { alg: 'ES256', typ: 'at+jwt', kid: 'not-a-key' } })],
    ['garbage', () => 'not.a.jwt'],
  ])('when the token has a %s, then 401 TOKEN_INVALID', async (_label, makeToken) => {
    const response = await me(makeToken());
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('TOKEN_INVALID');
  });

  it('when the token has expired, then 401 TOKEN_EXPIRED (not TOKEN_INVALID)', async () => {
    const response = await me(forge({}, { expiresIn: -10 }));
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('TOKEN_EXPIRED');
  });

  it('when the role changes in the database, then the next request sees the new role', async () => {
    const user = await buildUser(ctx.container);
    const session = await loginAs(ctx.app, user);
    await request(ctx.app).get('/api/v1/users').auth(session.accessToken, { type: 'bearer' }).expect(403);
    await UserModel.updateOne({ _id: user.id }, { $set: { role: 'moderator' } });
    await request(ctx.app).get('/api/v1/users').auth(session.accessToken, { type: 'bearer' }).expect(200);
  });

  it('when the user is disabled or deleted, then the token fails on the next request', async () => {
    const disabled = await loginAs(ctx.app, await buildUser(ctx.container));
    await UserModel.updateOne({ _id: disabled.id }, { $set: { status: 'disabled' } });
    expect((await me(disabled.accessToken)).body.code).toBe('ACCOUNT_DISABLED');

    const deleted = await loginAs(ctx.app, await buildUser(ctx.container));
    await UserModel.deleteOne({ _id: deleted.id });
    const response = await me(deleted.accessToken);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHENTICATED');
  });
});

describe('session lifetimes', () => {
  const clock = createTestClock();
  const ctx = useTestApp(
    { JWT_ACCESS_TTL: '1h', SESSION_IDLE_TTL: '10m', SESSION_ABSOLUTE_TTL: '25m', SESSION_TOUCH_INTERVAL: '1m' },
    { clock: clock.now },
  );

  const me = (token: string) => request(ctx.app).get(ME).set('Authorization', `Bearer ${token}`);

  it('when requests keep coming, then the idle expiry slides, but at most one write per touch interval', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const initial = await SessionModel.findById(signedIn.sessionId).lean();

    clock.advance(30_000);
    await me(signedIn.accessToken).expect(200);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.lastSeenAt).toEqual(initial?.lastSeenAt);

    clock.advance(45_000);
    await me(signedIn.accessToken).expect(200);
    const touched = await SessionModel.findById(signedIn.sessionId).lean();
    expect(touched!.expiresAt.getTime()).toBe(initial!.expiresAt.getTime() + 75_000);
  });

  it('when the session stays idle past its idle timeout, then it is refused', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    clock.advance(10 * 60_000 + 1000);
    const response = await me(signedIn.accessToken);
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('SESSION_REVOKED');
    const refresh = await request(ctx.app)
      .post('/api/v1/auth/refresh')
      .set('Cookie', signedIn.refreshCookie)
      .set('Content-Type', 'application/json');
    expect(refresh.status).toBe(401);
  });

  it('when the session is used steadily, then it still ends at its absolute lifetime', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    for (let minute = 0; minute < 24; minute += 4) {
      clock.advance(4 * 60_000);
      await me(signedIn.accessToken).expect(200);
    }
    const session = await SessionModel.findById(signedIn.sessionId).lean();
    expect(session!.expiresAt.getTime()).toBeLessThanOrEqual(session!.absoluteExpiresAt.getTime());
    clock.advance(2 * 60_000);
    expect((await me(signedIn.accessToken)).body.code).toBe('SESSION_REVOKED');
  });
});
