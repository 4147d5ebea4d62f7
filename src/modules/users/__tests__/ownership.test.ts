import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs } from '../../../../tests/support/factories';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('ownership of resources named by ids in the request', () => {
  const ctx = useTestApp();

  describe('DELETE /api/v1/me/sessions/:sessionId', () => {
    it("when the session is someone else's, then 404 and nothing of it is written: session, refresh tokens and audit stay", async () => {
      const attacker = await loginAs(ctx.app, await buildUser(ctx.container));
      const victim = await loginAs(ctx.app, await buildUser(ctx.container));
      const sessionBefore = await SessionModel.findById(victim.sessionId).lean();
      const tokensBefore = await RefreshTokenModel.find({ sessionId: victim.sessionId }).lean();

      const response = await request(ctx.app).delete(`/api/v1/me/sessions/${victim.sessionId}`).set(bearer(attacker.accessToken));

      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
      expect(await SessionModel.findById(victim.sessionId).lean()).toEqual(sessionBefore);
      expect(await RefreshTokenModel.find({ sessionId: victim.sessionId }).lean()).toEqual(tokensBefore);
      expect(tokensBefore).toHaveLength(1);
      expect(await AuditEventModel.countDocuments({ type: 'session.revoked', sessionId: victim.sessionId })).toBe(0);
      const refreshed = await request(ctx.app)
        .post('/api/v1/auth/refresh')
        .set('Cookie', victim.refreshCookie)
        .set('Content-Type', 'application/json')
        .send({});
      expect(refreshed.status).toBe(200);
    });

    it('when the session id is written in upper case, then it is still found as mine and ends', async () => {
      const mine = await loginAs(ctx.app, await buildUser(ctx.container));
      const otherOfMine = await loginAs(ctx.app, mine, 'second device');
      const response = await request(ctx.app)
        .delete(`/api/v1/me/sessions/${otherOfMine.sessionId.toUpperCase()}`)
        .set(bearer(mine.accessToken));
      expect(response.status).toBe(204);
      expect((await SessionModel.findById(otherOfMine.sessionId).lean())?.revokedAt).toBeInstanceOf(Date);
      expect(await RefreshTokenModel.countDocuments({ sessionId: otherOfMine.sessionId })).toBe(0);
    });
  });

  describe('owner routes of /api/v1/users/:id', () => {
    it('when the owner names their own id in upper case, then they are recognised as the owner', async () => {
      const owner = await loginAs(ctx.app, await buildUser(ctx.container));
      const upper = owner.id.toUpperCase();

      const shown = await request(ctx.app).get(`/api/v1/users/${upper}`).set(bearer(owner.accessToken));
      const sessions = await request(ctx.app).get(`/api/v1/users/${upper}/sessions`).set(bearer(owner.accessToken));

      expect(shown.status).toBe(200);
      expect(shown.body.data.id).toBe(owner.id);
      expect(sessions.status).toBe(200);
      expect(sessions.body.data.map((session: { id: string }) => session.id)).toContain(owner.sessionId);
    });

    it('when someone else names the owner in upper case, then 403 still', async () => {
      const owner = await buildUser(ctx.container);
      const stranger = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await request(ctx.app).get(`/api/v1/users/${owner.id.toUpperCase()}`).set(bearer(stranger.accessToken));
      expect(response.status).toBe(403);
    });
  });
});
