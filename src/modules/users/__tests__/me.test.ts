import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../user.model';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs } from '../../../../tests/support/factories';

describe('self-service (/api/v1/me)', () => {
  const ctx = useTestApp();

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  describe('PATCH /api/v1/me', () => {
    it('when a name is sent, then it is stored and returned', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await request(ctx.app).patch('/api/v1/me').set(bearer(signedIn.accessToken)).send({ name: '  Grace Hopper ' });
      expect(response.status).toBe(200);
      expect(response.body.data.user).toMatchObject({ id: signedIn.id, name: 'Grace Hopper' });
      expect((await UserModel.findById(signedIn.id).lean())?.name).toBe('Grace Hopper');
    });

    it('when a role is smuggled in, then 400 and nothing changes', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await request(ctx.app).patch('/api/v1/me').set(bearer(signedIn.accessToken)).send({ name: 'x', role: 'admin' });
      expect(response.status).toBe(400);
      expect((await UserModel.findById(signedIn.id).lean())?.role).toBe('user');
    });

    it('when unauthenticated, then 401', async () => {
      expect((await request(ctx.app).patch('/api/v1/me').send({ name: 'x' })).status).toBe(401);
    });
  });

  describe('POST /api/v1/me/password', () => {
    it('when the current password is right, then the password changes and only the other sessions end', async () => {
      const user = await buildUser(ctx.container);
      const laptop = await loginAs(ctx.app, user, 'laptop');
      const phone = await loginAs(ctx.app, user, 'phone');

      const response = await request(ctx.app)
        .post('/api/v1/me/password')
        .set(bearer(laptop.accessToken))
        .send({ currentPassword: user.password, newPassword: 'a completely new password' });

      expect(response.status).toBe(204);
      await request(ctx.app).get('/api/v1/me').set(bearer(laptop.accessToken)).expect(200);
      expect((await request(ctx.app).get('/api/v1/me').set(bearer(phone.accessToken))).body.code).toBe('SESSION_REVOKED');
      expect(await RefreshTokenModel.countDocuments({ sessionId: phone.sessionId })).toBe(0);
      expect(await RefreshTokenModel.countDocuments({ sessionId: laptop.sessionId })).toBe(1);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: 'a completely new password' }).expect(200);
      await eventually(() => AuditEventModel.findOne({ type: 'user.password_changed', actorId: user.id }));
    });

    it('when the current password is wrong, then 403 INVALID_CREDENTIALS and nothing changes', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      const before = await UserModel.findById(user.id).select('+passwordHash').lean();
      const response = await request(ctx.app)
        .post('/api/v1/me/password')
        .set(bearer(signedIn.accessToken))
        .send({ currentPassword: 'not my password', newPassword: 'a completely new password' });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect((await UserModel.findById(user.id).select('+passwordHash').lean())?.passwordHash).toBe(before?.passwordHash);
    });

    it('when the new password is too short, then 400', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      const response = await request(ctx.app)
        .post('/api/v1/me/password')
        .set(bearer(signedIn.accessToken))
        .send({ currentPassword: user.password, newPassword: 'short' });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].path).toBe('newPassword');
    });
  });

  describe('DELETE /api/v1/me', () => {
    it('when the password confirms it, then the account, its sessions and tokens are gone', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      await loginAs(ctx.app, user, 'second device');

      const response = await request(ctx.app).delete('/api/v1/me').set(bearer(signedIn.accessToken)).send({ password: user.password });

      expect(response.status).toBe(204);
      expect(await UserModel.findById(user.id)).toBeNull();
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
      expect(await RefreshTokenModel.countDocuments({ userId: user.id })).toBe(0);
      expect((await request(ctx.app).get('/api/v1/me').set(bearer(signedIn.accessToken))).status).toBe(401);
    });

    it('when the password is wrong, then 403 and the account stays', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      const response = await request(ctx.app).delete('/api/v1/me').set(bearer(signedIn.accessToken)).send({ password: 'wrong password!' });
      expect(response.status).toBe(403);
      expect(await UserModel.findById(user.id)).not.toBeNull();
    });
  });

  describe('GET /api/v1/me/sessions', () => {
    it('when the user has several devices, then all active sessions are listed with the current one marked', async () => {
      const user = await buildUser(ctx.container);
      const laptop = await loginAs(ctx.app, user, 'laptop');
      const phone = await loginAs(ctx.app, user, 'phone');
      await request(ctx.app).post('/api/v1/auth/logout').set(bearer(phone.accessToken)).set('Content-Type', 'application/json').expect(204);
      const tablet = await loginAs(ctx.app, user, 'tablet');

      const response = await request(ctx.app).get('/api/v1/me/sessions').set(bearer(laptop.accessToken));

      expect(response.status).toBe(200);
      const ids = response.body.data.map((session: { id: string }) => session.id).sort();
      expect(ids).toEqual([laptop.sessionId, tablet.sessionId].sort());
      const current = response.body.data.find((session: { current: boolean }) => session.current);
      expect(current).toMatchObject({ id: laptop.sessionId, userAgent: 'laptop', location: null });
      expect(Object.keys(current).sort()).toEqual(
        [
          'absoluteExpiresAt',
          'amr',
          'createdAt',
          'current',
          'device',
          'expiresAt',
          'id',
          'ip',
          'lastSeenAt',
          'location',
          'userAgent',
        ].sort(),
      );
    });
  });

  describe('DELETE /api/v1/me/sessions/:sessionId', () => {
    it('when the session is mine, then that device is signed out at once', async () => {
      const user = await buildUser(ctx.container);
      const laptop = await loginAs(ctx.app, user, 'laptop');
      const phone = await loginAs(ctx.app, user, 'phone');

      await request(ctx.app).delete(`/api/v1/me/sessions/${phone.sessionId}`).set(bearer(laptop.accessToken)).expect(204);

      expect((await request(ctx.app).get('/api/v1/me').set(bearer(phone.accessToken))).body.code).toBe('SESSION_REVOKED');
      await request(ctx.app).get('/api/v1/me').set(bearer(laptop.accessToken)).expect(200);
      expect((await SessionModel.findById(phone.sessionId).lean())?.revokedReason).toBe('revoked_by_user');
      await eventually(() => AuditEventModel.findOne({ type: 'session.revoked', sessionId: phone.sessionId }));
    });

    it("when the session is someone else's, then 404 and it stays active", async () => {
      const mine = await loginAs(ctx.app, await buildUser(ctx.container));
      const theirs = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await request(ctx.app).delete(`/api/v1/me/sessions/${theirs.sessionId}`).set(bearer(mine.accessToken));
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
      expect((await SessionModel.findById(theirs.sessionId).lean())?.revokedAt).toBeNull();
    });

    it('when the id is malformed, then 400', async () => {
      const mine = await loginAs(ctx.app, await buildUser(ctx.container));
      expect((await request(ctx.app).delete('/api/v1/me/sessions/not-an-id').set(bearer(mine.accessToken))).status).toBe(400);
    });
  });

  describe('POST /api/v1/auth/logout and /logout-all', () => {
    it('when logout is called without any credentials, then it is still 204 (idempotent)', async () => {
      const response = await request(ctx.app).post('/api/v1/auth/logout').set('Content-Type', 'application/json');
      expect(response.status).toBe(204);
      expect(String(response.headers['set-cookie'])).toContain('refreshToken=;');
    });

    it('when logout-all is called, then every session of the caller ends', async () => {
      const user = await buildUser(ctx.container);
      const sessions = [await loginAs(ctx.app, user, 'a'), await loginAs(ctx.app, user, 'b'), await loginAs(ctx.app, user, 'c')];
      const other = await loginAs(ctx.app, await buildUser(ctx.container));

      await request(ctx.app).post('/api/v1/auth/logout-all').set(bearer(sessions[0]!.accessToken)).expect(204);

      expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
      expect(await RefreshTokenModel.countDocuments({ userId: user.id })).toBe(0);
      for (const session of sessions) expect((await request(ctx.app).get('/api/v1/me').set(bearer(session.accessToken))).status).toBe(401);
      await request(ctx.app).get('/api/v1/me').set(bearer(other.accessToken)).expect(200);
    });

    it('when logout-all has no token, then 401', async () => {
      expect((await request(ctx.app).post('/api/v1/auth/logout-all')).status).toBe(401);
    });
  });
});
