import request from 'supertest';
import { hashRefreshToken } from '../../sessions/refresh-token';
import { AuditEventModel } from '../../audit/audit-event.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { useTestApp, type TestContext } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs, refreshCookieOf } from '../../../../tests/support/factories';

const REFRESH = '/api/v1/auth/refresh';
const LOGOUT = '/api/v1/auth/logout';

function refreshWith(ctx: TestContext, cookie: string) {
  return request(ctx.app).post(REFRESH).set('Cookie', cookie).set('Content-Type', 'application/json');
}

describe('POST /api/v1/auth/refresh', () => {
  const ctx = useTestApp({ REFRESH_REUSE_GRACE: '0' });

  it('when the whole lifecycle runs, then each step behaves: login, me, refresh, me, logout, refresh fails, me fails', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    await request(ctx.app).get('/api/v1/me').auth(signedIn.accessToken, { type: 'bearer' }).expect(200);

    const refreshed = await refreshWith(ctx, signedIn.refreshCookie);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.data).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 300 });
    const newCookie = refreshCookieOf(refreshed);
    expect(newCookie).not.toBe(signedIn.refreshCookie);
    const me = await request(ctx.app).get('/api/v1/me').auth(refreshed.body.data.accessToken, { type: 'bearer' });
    expect(me.body.data.session.id).toBe(signedIn.sessionId);

    const logout = await request(ctx.app).post(LOGOUT).set('Cookie', newCookie).set('Content-Type', 'application/json');
    expect(logout.status).toBe(204);
    expect(String(logout.headers['set-cookie'])).toMatch(/refreshToken=;.*Path=\/api\/v1\/auth.*Expires=Thu, 01 Jan 1970/);

    expect((await refreshWith(ctx, newCookie)).body.code).toBe('REFRESH_TOKEN_INVALID');
    const after = await request(ctx.app).get('/api/v1/me').auth(refreshed.body.data.accessToken, { type: 'bearer' });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('SESSION_REVOKED');
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedReason).toBe('logout');
    expect(await RefreshTokenModel.countDocuments({ sessionId: signedIn.sessionId })).toBe(0);
  });

  it('when a refresh rotates, then the old token is marked used and linked to its successor by hash', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const refreshed = await refreshWith(ctx, signedIn.refreshCookie).expect(200);
    const oldHash = hashRefreshToken(signedIn.refreshCookie.split('=')[1]!);
    const newHash = hashRefreshToken(refreshCookieOf(refreshed).split('=')[1]!);
    const old = await RefreshTokenModel.findById(oldHash).lean();
    expect(old?.usedAt).toBeInstanceOf(Date);
    expect(old?.replacedBy).toBe(newHash);
    expect((await RefreshTokenModel.findById(newHash).lean())?.generation).toBe(1);
  });

  it('when a rotated token is presented again, then the session and all its tokens are revoked (401 REFRESH_TOKEN_REUSED)', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const refreshed = await refreshWith(ctx, signedIn.refreshCookie).expect(200);

    const replay = await refreshWith(ctx, signedIn.refreshCookie);

    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refreshWith(ctx, refreshCookieOf(refreshed))).status).toBe(401);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedReason).toBe('refresh_reuse');
    expect(await RefreshTokenModel.countDocuments({ sessionId: signedIn.sessionId })).toBe(0);
    const me = await request(ctx.app).get('/api/v1/me').auth(refreshed.body.data.accessToken, { type: 'bearer' });
    expect(me.body.code).toBe('SESSION_REVOKED');
    await eventually(() => AuditEventModel.findOne({ type: 'auth.refresh_reuse', sessionId: signedIn.sessionId }));
  });

  it('when many refreshes race with one token (no grace), then the chain never forks, and a replay after a recorded answer ends the session', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));

    const responses = await Promise.all(Array.from({ length: 10 }, () => refreshWith(ctx, signedIn.refreshCookie)));

    const answered = responses.filter((response) => response.status === 200);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    expect(new Set(answered.map((response) => refreshCookieOf(response))).size).toBe(1);
    expect(
      await RefreshTokenModel.countDocuments({ parentId: hashRefreshToken(signedIn.refreshCookie.split('=')[1]!) }),
    ).toBeLessThanOrEqual(1);
    const reused = responses.filter((response) => response.body.code === 'REFRESH_TOKEN_REUSED');
    expect(answered.length + reused.length).toBe(10);
    if (reused.length > 0) expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedReason).toBe('refresh_reuse');
  });

  it('when no cookie is sent, then 401 REFRESH_TOKEN_INVALID', async () => {
    const response = await request(ctx.app).post(REFRESH).set('Content-Type', 'application/json');
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('when an unknown token is sent, then 401 REFRESH_TOKEN_INVALID', async () => {
    const response = await refreshWith(ctx, 'refreshToken=not-a-token-we-ever-issued');
    expect(response.body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it("when the account was disabled behind the session's back, then refresh answers 403 ACCOUNT_DISABLED", async () => {
    const user = await buildUser(ctx.container);
    const signedIn = await loginAs(ctx.app, user);
    await UserModel.updateOne({ _id: user.id }, { $set: { status: 'disabled' } });

    const response = await refreshWith(ctx, signedIn.refreshCookie);

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('ACCOUNT_DISABLED');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('when the request is cross-site, then 403 CSRF_REJECTED and the token is not consumed', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const hash = hashRefreshToken(signedIn.refreshCookie.split('=')[1]!);

    const foreignOrigin = await refreshWith(ctx, signedIn.refreshCookie).set('Origin', 'https://evil.example.test');
    const htmlForm = await request(ctx.app)
      .post(REFRESH)
      .set('Cookie', signedIn.refreshCookie)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send('a=1');
    const foreignReferer = await refreshWith(ctx, signedIn.refreshCookie).set('Referer', 'https://evil.example.test/page');

    for (const response of [foreignOrigin, htmlForm, foreignReferer]) {
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('CSRF_REJECTED');
    }
    expect((await RefreshTokenModel.findById(hash).lean())?.usedAt).toBeNull();
  });

  it('when the request comes from an allowed frontend origin, then it passes the CSRF check', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const response = await refreshWith(ctx, signedIn.refreshCookie).set('Origin', 'http://app.example.test');
    expect(response.status).toBe(200);
  });

  it('when a non-browser client sends X-Requested-With instead of a JSON body, then it passes', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const response = await request(ctx.app).post(REFRESH).set('Cookie', signedIn.refreshCookie).set('X-Requested-With', 'fetch');
    expect(response.status).toBe(200);
  });
});

describe('POST /api/v1/auth/refresh with a reuse grace period', () => {
  const ctx = useTestApp({ REFRESH_REUSE_GRACE: '5s' });

  it('when tabs race with one token, then all get an access token and the same new cookie, and only one chain lives', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));

    const responses = await Promise.all(Array.from({ length: 5 }, () => refreshWith(ctx, signedIn.refreshCookie)));

    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(responses.map((response) => refreshCookieOf(response))).size).toBe(1);
    expect(await RefreshTokenModel.countDocuments({ sessionId: signedIn.sessionId })).toBe(2);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedAt).toBeNull();
    await refreshWith(ctx, refreshCookieOf(responses[0]!)).expect(200);
  });

  it('when the old token comes back after its successor was used, then it is reuse even within the grace period', async () => {
    const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
    const first = await refreshWith(ctx, signedIn.refreshCookie).expect(200);
    await refreshWith(ctx, refreshCookieOf(first)).expect(200);

    const replay = await refreshWith(ctx, signedIn.refreshCookie);

    expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedReason).toBe('refresh_reuse');
  });
});
