import request from 'supertest';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, loginAs, refreshCookieOf } from '../support/factories';

/**
 * Two app containers, each with its own in-process state (batchers, hashing pool, caches), on one
 * database: what one instance decides, the other must honour on its next request.
 */
describe('two instances on one database', () => {
  useTestDatabase();
  let first: TestContext;
  let second: TestContext;

  beforeAll(() => {
    first = createTestContext({ REFRESH_REUSE_GRACE: '0' });
    second = createTestContext({ REFRESH_REUSE_GRACE: '0' });
  });
  afterAll(() => Promise.all([first.container.close(), second.container.close()]));

  const refresh = (ctx: TestContext, cookie: string) =>
    request(ctx.app).post('/api/v1/auth/refresh').set('Cookie', cookie).set('Content-Type', 'application/json');
  const me = (ctx: TestContext, token: string) => request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);

  it('when a refresh token rotated on one instance is replayed on the other, then the reuse is detected and the session ends everywhere', async () => {
    const signedIn = await loginAs(first.app, await buildUser(first.container));
    const rotated = await refresh(first, signedIn.refreshCookie);
    expect(rotated.status).toBe(200);

    const replay = await refresh(second, signedIn.refreshCookie);

    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(first, refreshCookieOf(rotated))).status).toBe(401);
    expect((await me(first, signedIn.accessToken)).body.code).toBe('SESSION_REVOKED');
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedAt).toBeInstanceOf(Date);
  });

  it('when a session is revoked on one instance, then the other refuses its access token on the next request', async () => {
    const signedIn = await loginAs(first.app, await buildUser(first.container));
    expect((await me(second, signedIn.accessToken)).status).toBe(200);

    await request(first.app).post('/api/v1/auth/logout-all').set('Authorization', `Bearer ${signedIn.accessToken}`).send({}).expect(204);

    const after = await me(second, signedIn.accessToken);
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('SESSION_REVOKED');
  });

  it('when the only two admins demote each other on two instances at once, then exactly one demotion wins and one admin remains', async () => {
    await UserModel.deleteMany({ role: 'admin' });
    const alice = await loginAs(first.app, await buildUser(first.container, { role: 'admin' }));
    const bob = await loginAs(second.app, await buildUser(second.container, { role: 'admin' }));

    const demote = (ctx: TestContext, actor: typeof alice, targetId: string) =>
      request(ctx.app).patch(`/api/v1/users/${targetId}/role`).set('Authorization', `Bearer ${actor.accessToken}`).send({ role: 'user' });
    const [byAlice, byBob] = await Promise.all([demote(first, alice, bob.id), demote(second, bob, alice.id)]);

    expect([byAlice.status, byBob.status].sort()).toEqual([200, 409]);
    expect([byAlice, byBob].find((response) => response.status === 409)?.body.code).toBe('LAST_ADMIN');
    expect(await UserModel.countDocuments({ role: 'admin', status: 'active' })).toBe(1);
  });
});
