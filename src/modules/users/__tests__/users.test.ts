import request from 'supertest';
import type { Role } from '../../../config/roles';
import { AuditEventModel } from '../../audit/audit-event.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../user.model';
import { clearDatabase } from '../../../../tests/support/database';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, DEFAULT_PASSWORD, eventually, loginAs, type SignedIn } from '../../../../tests/support/factories';

type Caller = 'anonymous' | 'owner' | 'other user' | 'moderator' | 'admin';

interface MatrixRow {
  method: 'get' | 'patch' | 'delete';
  path: (targetId: string) => string;
  body?: Record<string, unknown>;
  expected: Record<Caller, number>;
}

const MATRIX: MatrixRow[] = [
  { method: 'get', path: () => '/api/v1/users', expected: { anonymous: 401, owner: 403, 'other user': 403, moderator: 200, admin: 200 } },
  {
    method: 'get',
    path: (id) => `/api/v1/users/${id}`,
    expected: { anonymous: 401, owner: 200, 'other user': 403, moderator: 200, admin: 200 },
  },
  {
    method: 'get',
    path: (id) => `/api/v1/users/${id}/sessions`,
    expected: { anonymous: 401, owner: 200, 'other user': 403, moderator: 200, admin: 200 },
  },
  {
    method: 'patch',
    path: (id) => `/api/v1/users/${id}/role`,
    body: { role: 'user' },
    expected: { anonymous: 401, owner: 403, 'other user': 403, moderator: 403, admin: 200 },
  },
  {
    method: 'patch',
    path: (id) => `/api/v1/users/${id}/status`,
    body: { status: 'active' },
    expected: { anonymous: 401, owner: 403, 'other user': 403, moderator: 403, admin: 200 },
  },
  {
    method: 'delete',
    path: (id) => `/api/v1/users/${id}/sessions`,
    expected: { anonymous: 401, owner: 403, 'other user': 403, moderator: 403, admin: 204 },
  },
  {
    method: 'get',
    path: () => '/api/v1/audit-events',
    expected: { anonymous: 401, owner: 403, 'other user': 403, moderator: 200, admin: 200 },
  },
  {
    method: 'delete',
    path: (id) => `/api/v1/users/${id}`,
    // The owner confirms with the password; for anyone else the body is ignored.
    body: { password: DEFAULT_PASSWORD },
    expected: { anonymous: 401, owner: 204, 'other user': 403, moderator: 403, admin: 204 },
  },
];

describe('users administration', () => {
  const ctx = useTestApp({ PAGE_SIZE_MAX: '5', PAGE_SIZE_DEFAULT: '3' });

  async function signIn(role: Role): Promise<SignedIn> {
    return loginAs(ctx.app, await buildUser(ctx.container, { role }));
  }

  describe('permission matrix', () => {
    const callers: Caller[] = ['anonymous', 'owner', 'other user', 'moderator', 'admin'];
    for (const row of MATRIX) {
      for (const caller of callers) {
        it(`when ${caller} calls ${row.method.toUpperCase()} ${row.path(':id')}, then ${row.expected[caller]}`, async () => {
          const target = await signIn('user');
          const as: Record<Exclude<Caller, 'anonymous'>, () => Promise<SignedIn>> = {
            owner: async () => target,
            'other user': () => signIn('user'),
            moderator: () => signIn('moderator'),
            admin: () => signIn('admin'),
          };
          const token = caller === 'anonymous' ? undefined : (await as[caller]()).accessToken;
          let call = request(ctx.app)[row.method](row.path(target.id));
          if (token) call = call.set('Authorization', `Bearer ${token}`);
          const response = row.body ? await call.send(row.body) : await call;
          expect(response.status).toBe(row.expected[caller]);
          if (response.status === 403) expect(response.body.code).toBe('FORBIDDEN');
        });
      }
    }
  });

  describe('GET /api/v1/users', () => {
    it('when paging, filtering and searching, then the page, meta and order are right and secrets never appear', async () => {
      await clearDatabase();
      const admin = await signIn('admin');
      for (const name of ['Alice', 'Albert', 'Bob', 'Carol'])
        await buildUser(ctx.container, { name, email: `${name.toLowerCase()}@list.test` });
      await buildUser(ctx.container, { name: 'Dan', role: 'moderator', status: 'disabled' });
      const list = (query: string) => request(ctx.app).get(`/api/v1/users?${query}`).set('Authorization', `Bearer ${admin.accessToken}`);

      const firstPage = await list('');
      expect(firstPage.body.meta).toEqual({ page: 1, limit: 3, total: 6, totalPages: 2 });
      expect(JSON.stringify(firstPage.body)).not.toMatch(/passwordHash|__v|"_id"/);

      expect((await list('limit=6')).status).toBe(400);
      expect((await list('page=2&limit=5')).body.data).toHaveLength(1);
      expect((await list('q=al&sort=name')).body.data.map((user: { name: string }) => user.name)).toEqual(['Albert', 'Alice']);
      expect((await list('q=ALI')).body.data.map((user: { email: string }) => user.email)).toEqual(['alice@list.test']);
      expect((await list('role=moderator&status=disabled')).body.data.map((user: { name: string }) => user.name)).toEqual(['Dan']);
      expect((await list('sort=passwordHash')).status).toBe(400);
      expect((await list('q[$gt]=')).status).toBe(400);
      expect((await list('q=.*')).body.meta.total).toBe(0);
    });
  });

  describe('GET /api/v1/users/:id', () => {
    it('when the id is malformed, then 400; when unknown, then 404', async () => {
      const admin = await signIn('admin');
      expect((await request(ctx.app).get('/api/v1/users/xyz').set('Authorization', `Bearer ${admin.accessToken}`)).status).toBe(400);
      const missing = await request(ctx.app)
        .get('/api/v1/users/0123456789abcdef01234567')
        .set('Authorization', `Bearer ${admin.accessToken}`);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('NOT_FOUND');
    });
  });

  describe('PATCH /api/v1/users/:id/role', () => {
    it("when an admin promotes a user, then the new role applies on the target's next request and is audited", async () => {
      const admin = await signIn('admin');
      const target = await signIn('user');
      await request(ctx.app).get('/api/v1/audit-events').set('Authorization', `Bearer ${target.accessToken}`).expect(403);

      const response = await request(ctx.app)
        .patch(`/api/v1/users/${target.id}/role`)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ role: 'moderator' });

      expect(response.status).toBe(200);
      expect(response.body.data.role).toBe('moderator');
      await request(ctx.app).get('/api/v1/audit-events').set('Authorization', `Bearer ${target.accessToken}`).expect(200);
      const event = await eventually(() => AuditEventModel.findOne({ type: 'user.role_changed', targetId: target.id }).lean());
      expect(event.actorId?.toString()).toBe(admin.id);
      expect(event.details).toEqual({ from: 'user', to: 'moderator' });
    });

    it('when the role is not one of ours, then 400', async () => {
      const admin = await signIn('admin');
      const target = await signIn('user');
      const response = await request(ctx.app)
        .patch(`/api/v1/users/${target.id}/role`)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ role: 'root' });
      expect(response.status).toBe(400);
    });

    it('when the last active admin would be demoted, then 409 LAST_ADMIN, also when two demotions race', async () => {
      await clearDatabase();
      const first = await signIn('admin');
      const second = await signIn('admin');
      const demote = (actor: SignedIn, target: SignedIn) =>
        request(ctx.app)
          .patch(`/api/v1/users/${target.id}/role`)
          .set('Authorization', `Bearer ${actor.accessToken}`)
          .send({ role: 'user' });

      const results = await Promise.all([demote(first, second), demote(second, first)]);

      expect(results.map((response) => response.status).sort()).toEqual([200, 409].sort((a, b) => a - b));
      expect(results.find((response) => response.status === 409)?.body.code).toBe('LAST_ADMIN');
      expect(await UserModel.countDocuments({ role: 'admin', status: 'active' })).toBe(1);
    });
  });

  describe('PATCH /api/v1/users/:id/status', () => {
    it('when an admin disables a user, then all their sessions end at once', async () => {
      const admin = await signIn('admin');
      const user = await buildUser(ctx.container);
      const sessions = [await loginAs(ctx.app, user, 'a'), await loginAs(ctx.app, user, 'b')];

      const response = await request(ctx.app)
        .patch(`/api/v1/users/${user.id}/status`)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ status: 'disabled' });

      expect(response.status).toBe(200);
      expect(response.body.data.status).toBe('disabled');
      expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
      for (const session of sessions)
        expect((await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${session.accessToken}`)).status).toBe(401);
      expect((await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password })).body.code).toBe(
        'ACCOUNT_DISABLED',
      );
    });
  });

  describe('DELETE /api/v1/users/:id', () => {
    it('when an admin deletes a user, then the user, sessions and refresh tokens are gone and old tokens fail', async () => {
      const admin = await signIn('admin');
      const target = await signIn('user');

      await request(ctx.app).delete(`/api/v1/users/${target.id}`).set('Authorization', `Bearer ${admin.accessToken}`).expect(204);

      expect(await UserModel.findById(target.id)).toBeNull();
      expect(await SessionModel.countDocuments({ userId: target.id })).toBe(0);
      expect(await RefreshTokenModel.countDocuments({ userId: target.id })).toBe(0);
      expect((await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${target.accessToken}`)).status).toBe(401);
      const refresh = await request(ctx.app)
        .post('/api/v1/auth/refresh')
        .set('Cookie', target.refreshCookie)
        .set('Content-Type', 'application/json');
      expect(refresh.status).toBe(401);
      expect((await request(ctx.app).delete(`/api/v1/users/${target.id}`).set('Authorization', `Bearer ${admin.accessToken}`)).status).toBe(
        404,
      );
      await eventually(() => AuditEventModel.findOne({ type: 'user.deleted', targetId: target.id }));
    });
  });

  describe('GET /api/v1/audit-events', () => {
    it('when filtering by type and target, then only matching events come back, newest first', async () => {
      const moderator = await signIn('moderator');
      const target = await buildUser(ctx.container);
      await loginAs(ctx.app, target);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: target.email, password: 'wrong password!' }).expect(401);
      await ctx.container.services.audit.flush();

      const response = await request(ctx.app)
        .get(`/api/v1/audit-events?targetId=${target.id}`)
        .set('Authorization', `Bearer ${moderator.accessToken}`);

      expect(response.status).toBe(200);
      expect(response.body.data.map((event: { type: string }) => event.type)).toEqual(['auth.login_failed', 'auth.login']);
      expect(response.body.data[1]).toEqual({
        id: expect.any(String),
        type: 'auth.login',
        actorId: target.id,
        targetId: target.id,
        sessionId: expect.any(String),
        ip: expect.any(String),
        location: null,
        details: {},
        createdAt: expect.any(String),
      });
      const byType = await request(ctx.app)
        .get(`/api/v1/audit-events?type=auth.login_failed&targetId=${target.id}`)
        .set('Authorization', `Bearer ${moderator.accessToken}`);
      expect(byType.body.data).toHaveLength(1);
      expect(JSON.stringify(byType.body)).not.toContain('wrong password');
      expect(
        (await request(ctx.app).get('/api/v1/audit-events?type=nope').set('Authorization', `Bearer ${moderator.accessToken}`)).status,
      ).toBe(400);
    });
  });
});
