import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { OUTBOX_STATUSES, OutboxMessageModel } from '../../mail/outbox-message.model';
import { SessionModel } from '../../sessions/session.model';
import { createTestContext, useTestApp } from '../../../../tests/support/context';
import { buildUser, refreshCookieOf } from '../../../../tests/support/factories';

const TOKEN = 'a-metrics-token-of-some-length';

/** The value of one sample line (`name{labels} value`) of a Prometheus exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  describe('after a login, a wrong password, a refresh and a replayed refresh token', () => {
    const ctx = useTestApp();
    let text: string;
    let userId: string;

    beforeAll(async () => {
      const user = await buildUser(ctx.container);
      userId = user.id;
      const login = await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: 'not the password at all' }).expect(401);
      const cookie = refreshCookieOf(login);
      const refresh = (presented: string) => request(ctx.app).post('/api/v1/auth/refresh').set('Cookie', presented).send({});
      await refresh(cookie).expect(200);
      expect((await refresh(cookie).expect(401)).body.code).toBe('REFRESH_TOKEN_REUSED');
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
      await request(ctx.app).get(`/api/v1/users/${userId}`).set('Authorization', 'Bearer not-a-token').expect(401);
      await request(ctx.app).get(`/no/such/${userId}`).expect(404);
      const response = await request(ctx.app).get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(response.headers['cache-control']).toBe('no-store');
      text = response.text;
    });

    it('when scraped, then requests are counted by route template, method and status', () => {
      expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/api/v1/auth/login",status="200"}')).toBe(2);
      expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/api/v1/auth/login",status="401"}')).toBe(1);
      expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/api/v1/auth/refresh",status="401"}')).toBe(1);
      expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="/api/v1/users/*",status="401"}')).toBe(1);
      expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(1);
      expect(text).toMatch(
        /http_request_duration_seconds_bucket\{le="0\.005",method="POST",route="\/api\/v1\/auth\/refresh",status="200"\} \d/,
      );
      expect(text).not.toContain(userId);
    });

    it('when scraped, then logins by outcome, rotations and reuse detections are there', () => {
      expect(sample(text, 'keyhold_logins_total{outcome="success"}')).toBe(2);
      expect(sample(text, 'keyhold_logins_total{outcome="invalid_credentials"}')).toBe(1);
      expect(sample(text, 'keyhold_refresh_rotations_total')).toBe(1);
      expect(sample(text, 'keyhold_refresh_reuse_detections_total')).toBe(1);
    });

    it('when a registration queued its verification mail, then the outbox is counted by status as the database holds it', async () => {
      await request(ctx.app)
        .post('/api/v1/auth/register')
        .send({ email: `outbox-${randomBytes(4).toString('hex')}@example.com`, password: 'a long enough password' })
        .expect(201);
      const scrape = await request(ctx.app).get('/metrics').expect(200);
      expect(await OutboxMessageModel.countDocuments({ status: 'pending' })).toBeGreaterThan(0);
      for (const status of OUTBOX_STATUSES) {
        expect(sample(scrape.text, `keyhold_mail_outbox_messages{status="${status}"}`)).toBe(
          await OutboxMessageModel.countDocuments({ status }),
        );
      }
    });

    it('when scraped, then active sessions match the database, and the hash queue, pool and process metrics are there', async () => {
      const now = new Date();
      const active = await SessionModel.countDocuments({ revokedAt: null, expiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } });
      expect(active).toBe(1);
      expect(sample(text, 'keyhold_active_sessions')).toBe(active);
      expect(sample(text, 'keyhold_signing_keys{state="current"}')).toBe(1);
      expect(sample(text, 'keyhold_signing_keys{state="next"}')).toBe(0);
      expect(sample(text, 'keyhold_password_hash_queue_depth')).toBe(0);
      expect(sample(text, 'keyhold_password_hash_queue_wait_seconds_count')).toBeGreaterThanOrEqual(4);
      expect(sample(text, 'keyhold_db_pool_connections{state="in_use"}')).toBeGreaterThanOrEqual(0);
      expect(text).toMatch(/^# TYPE keyhold_db_errors_total counter$/m);
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    });
  });

  describe('access', () => {
    const ctx = useTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_STORE: 'memory', RATE_LIMIT_MAX: '2' });

    it('when METRICS_TOKEN is set, then only its bearer may scrape', async () => {
      const missing = await request(ctx.app).get('/metrics').expect(401);
      const wrong = await request(ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);

      expect(missing.body).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(wrong.text).not.toContain('keyhold_');
      await request(ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    });

    it('when scraped far beyond the rate limit, then it is never limited', async () => {
      for (let i = 0; i < 6; i++) await request(ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    });

    it('when in production without METRICS_TOKEN, or with metrics off, then 404 as if absent', async () => {
      const production = createTestContext({ NODE_ENV: 'production', JWT_SECRET: randomBytes(48).toString('base64url') });
      const off = createTestContext({ METRICS_ENABLED: 'false' });
      try {
        expect((await request(production.app).get('/metrics').expect(404)).body.code).toBe('NOT_FOUND');
        await request(off.app).get('/metrics').expect(404);
      } finally {
        await production.container.close();
        await off.container.close();
      }
    });
  });
});
