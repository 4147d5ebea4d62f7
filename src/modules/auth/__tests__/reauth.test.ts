import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs } from '../../../../tests/support/factories';
import { useListeningServer } from '../../../../tests/support/listening';

const MAX_FAILURES = 5;

describe('re-authentication (password confirmation on sensitive routes)', () => {
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
  const server = useListeningServer(ctx);

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('when 30 wrong passwords race on one session, then at most LOGIN_MAX_FAILURES are compared, the rest get 429, and the owner still logs in', async () => {
    const user = await buildUser(ctx.container);
    const signedIn = await loginAs(ctx.app, user);
    const verify = jest.spyOn(ctx.container.hasher, 'verify');
    verify.mockClear();

    const responses = await Promise.all(
      Array.from({ length: 30 }, () =>
        request(server.url)
          .post('/api/v1/me/password')
          .set(bearer(signedIn.accessToken))
          .send({ currentPassword: 'not my password at all', newPassword: 'a completely new password' }),
      ),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 403)).toHaveLength(MAX_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - MAX_FAILURES);
    expect(responses.find((response) => response.status === 403)?.body.code).toBe('INVALID_CREDENTIALS');
    const limited = responses.find((response) => response.status === 429)!;
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(verify.mock.calls.length).toBeLessThanOrEqual(MAX_FAILURES);
    verify.mockRestore();

    expect((await SessionModel.findById(signedIn.sessionId).lean())?.reauthAttempts).toBe(MAX_FAILURES);
    await eventually(
      async () => (await AuditEventModel.countDocuments({ type: 'auth.reauth_failed', sessionId: signedIn.sessionId })) === MAX_FAILURES,
    );
    const right = await request(ctx.app)
      .post('/api/v1/me/password')
      .set(bearer(signedIn.accessToken))
      .send({ currentPassword: user.password, newPassword: 'a completely new password' });
    expect(right.status).toBe(429);
    // The login lock is apart from this counter: the owner signs in and gets a fresh budget.
    const fresh = await loginAs(ctx.app, user);
    await request(ctx.app)
      .post('/api/v1/me/password')
      .set(bearer(fresh.accessToken))
      .send({ currentPassword: user.password, newPassword: 'a completely new password' })
      .expect(204);
  });

  it('when the right password is given after wrong ones, then it passes and gives its own attempt back', async () => {
    const user = await buildUser(ctx.container);
    const signedIn = await loginAs(ctx.app, user);
    await request(ctx.app).delete('/api/v1/me').set(bearer(signedIn.accessToken)).send({ password: 'wrong password!' }).expect(403);
    await request(ctx.app)
      .post('/api/v1/me/password')
      .set(bearer(signedIn.accessToken))
      .send({ currentPassword: user.password, newPassword: 'a completely new password' })
      .expect(204);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.reauthAttempts).toBe(1);
  });

  it('when the failure window has passed, then the session gets a fresh budget', async () => {
    const user = await buildUser(ctx.container);
    const signedIn = await loginAs(ctx.app, user);
    await SessionModel.updateOne(
      { _id: signedIn.sessionId },
      { $set: { reauthAttempts: MAX_FAILURES, reauthWindowStartedAt: new Date(Date.now() - 16 * 60_000) } },
    );
    await request(ctx.app).delete('/api/v1/me').set(bearer(signedIn.accessToken)).send({ password: 'wrong password!' }).expect(403);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.reauthAttempts).toBe(1);
  });

  describe('DELETE /api/v1/users/:id by the owner', () => {
    it('when no password is sent, then 400 and the account stays', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await request(ctx.app).delete(`/api/v1/users/${signedIn.id}`).set(bearer(signedIn.accessToken));
      expect(response.status).toBe(400);
      expect(response.body.errors[0].path).toBe('password');
      expect(await UserModel.exists({ _id: signedIn.id })).not.toBeNull();
    });

    it('when the password is wrong, then 403 INVALID_CREDENTIALS, audited, and the account stays', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await request(ctx.app)
        .delete(`/api/v1/users/${signedIn.id}`)
        .set(bearer(signedIn.accessToken))
        .send({ password: 'wrong password!' });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect(await UserModel.exists({ _id: signedIn.id })).not.toBeNull();
      await eventually(() => AuditEventModel.findOne({ type: 'auth.reauth_failed', actorId: signedIn.id }));
    });

    it('when the password is right, then the account is gone', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      await request(ctx.app)
        .delete(`/api/v1/users/${signedIn.id}`)
        .set(bearer(signedIn.accessToken))
        .send({ password: user.password })
        .expect(204);
      expect(await UserModel.exists({ _id: signedIn.id })).toBeNull();
      expect(await SessionModel.countDocuments({ userId: signedIn.id })).toBe(0);
    });
  });
});

describe('re-authentication routes and the auth rate limit', () => {
  const ctx = useTestApp({ RATE_LIMIT_ENABLED: 'true', AUTH_RATE_LIMIT_MAX: '2', RATE_LIMIT_MAX: '1000' });

  it('when one address exceeds the auth budget on /me/password, then 429 with RateLimit headers', async () => {
    const user = await buildUser(ctx.container);
    const signedIn = await loginAs(ctx.app, user);
    const attempt = () =>
      request(ctx.app)
        .post('/api/v1/me/password')
        .set('Authorization', `Bearer ${signedIn.accessToken}`)
        .send({ currentPassword: 'wrong password!', newPassword: 'a completely new password' });
    expect((await attempt()).status).toBe(403);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });
});
