import request from 'supertest';
import { createTestContext, useTestApp } from '../../../../tests/support/context';

describe('rate limiting', () => {
  const ctx = useTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '5', AUTH_RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '7d' });

  it('when a client exceeds the global limit, then 429 RATE_LIMITED with Retry-After and RateLimit headers', async () => {
    for (let i = 0; i < 5; i++) await request(ctx.app).get('/openapi.json').expect(200);
    const response = await request(ctx.app).get('/openapi.json');
    expect(response.status).toBe(429);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.code).toBe('RATE_LIMITED');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(response.headers['ratelimit-policy']).toBeDefined();
    expect(response.headers.ratelimit).toMatch(/r=0/);
  });

  it('when a client hammers /auth, then the stricter auth limit applies first', async () => {
    const fresh = createTestContext({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_MAX: '100',
      AUTH_RATE_LIMIT_MAX: '2',
      RATE_LIMIT_WINDOW_MS: '7d',
    });
    const login = () => request(fresh.app).post('/api/v1/auth/login').send({ email: 'a@example.test', password: 'whatever it is' });
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(401);
    const limited = await login();
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    await request(fresh.app).get('/healthz').expect(200);
    await fresh.container.close();
  });

  it('when addresses share an IPv6 /56, or are one IPv4 address written two ways, then they share one budget', async () => {
    const proxied = createTestContext({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '7d', TRUST_PROXY: '1' });
    const from = async (address: string) => (await request(proxied.app).get('/openapi.json').set('X-Forwarded-For', address)).status;

    expect([await from('2001:db8:1:100::1'), await from('2001:db8:1:1ff::2'), await from('2001:db8:1:1aa::3')]).toEqual([200, 200, 429]);
    expect(await from('2001:db8:1:200::1')).toBe(200);
    expect([await from('203.0.113.9'), await from('::ffff:203.0.113.9'), await from('203.0.113.9')]).toEqual([200, 200, 429]);
    expect(await from('203.0.113.10')).toBe(200);
    await proxied.container.close();
  });
});

describe('unknown routes', () => {
  const ctx = useTestApp();

  it('when no route matches, then 404 NOT_FOUND as problem+json', async () => {
    const response = await request(ctx.app).get('/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: 'NOT_FOUND', status: 404, requestId: response.headers['x-request-id'] });
  });
});
