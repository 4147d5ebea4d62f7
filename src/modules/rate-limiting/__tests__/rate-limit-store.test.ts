import request from 'supertest';
import { RateLimitCounterModel } from '../rate-limit-counter.model';
import { useTestDatabase } from '../../../../tests/support/database';
import { createTestContext, type TestContext } from '../../../../tests/support/context';
import { listen } from '../../../../tests/support/listening';

// Windows are aligned to the epoch; a 7-day one (the in-memory store's timer cannot take more than 24 days) keeps a burst of requests from straddling a boundary.
const LIMITED = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_WINDOW_MS: '7d', AUTH_RATE_LIMIT_MAX: '1000' };

describe('rate limits shared through the database', () => {
  useTestDatabase();
  const contexts: TestContext[] = [];
  afterAll(() => Promise.all(contexts.map((ctx) => ctx.container.close())));
  beforeEach(() => RateLimitCounterModel.deleteMany({}));

  function instance(overrides: Record<string, string>): TestContext {
    const ctx = createTestContext({ ...LIMITED, ...overrides });
    contexts.push(ctx);
    return ctx;
  }

  it('when one client spreads requests over two instances, then they count against one budget', async () => {
    const first = instance({ RATE_LIMIT_MAX: '5' });
    const second = instance({ RATE_LIMIT_MAX: '5' });

    for (let i = 0; i < 3; i++) await request(first.app).get('/openapi.json').expect(200);
    for (let i = 0; i < 2; i++) await request(second.app).get('/openapi.json').expect(200);
    const limited = await request(second.app).get('/openapi.json');
    const alsoLimited = await request(first.app).get('/openapi.json');

    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(alsoLimited.status).toBe(429);
    const counters = await RateLimitCounterModel.find({}).lean();
    expect(counters).toHaveLength(1);
    expect(counters[0]).toMatchObject({ hits: 7, key: expect.stringMatching(/^all:/) });
  });

  it('when 30 requests race on two listening instances, then exactly the budget passes and every hit is counted', async () => {
    const servers = await Promise.all(
      [instance({ RATE_LIMIT_MAX: '10' }), instance({ RATE_LIMIT_MAX: '10' })].map((ctx) => listen(ctx.app)),
    );
    try {
      const statuses = await Promise.all(
        Array.from({ length: 30 }, (_, index) => fetch(`${servers[index % 2]!.url}/openapi.json`).then((response) => response.status)),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(10);
      expect(statuses.filter((status) => status === 429)).toHaveLength(20);
      const counters = await RateLimitCounterModel.find({}).lean();
      expect(counters).toHaveLength(1);
      expect(counters[0]?.hits).toBe(30);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('when one client sends many requests, then a few counts reserve places ahead: exactly the limit passes, with far fewer commands', async () => {
    // A limit of 1000 lets a counter reserve up to 20 places ahead (1/50 of it).
    const ctx = instance({ RATE_LIMIT_MAX: '1000' });
    const counts = jest.spyOn(RateLimitCounterModel.collection, 'findOneAndUpdate');
    try {
      for (let i = 0; i < 100; i++) await request(ctx.app).get('/openapi.json').expect(200);
      // One count, then reservations of 1, 2, 4, 8, 16, 20, 20 and 20 places: 9 commands for 100 hits.
      expect(counts).toHaveBeenCalledTimes(9);
    } finally {
      counts.mockRestore();
    }
    const [counter] = await RateLimitCounterModel.find({}).lean();
    expect(counter?.hits).toBe(100);
  });

  it('when a hot client on one instance reaches the limit, then exactly the limit passes (its own reservations are all used)', async () => {
    const ctx = instance({ RATE_LIMIT_MAX: '100' });
    const statuses: number[] = [];
    for (let i = 0; i < 130; i++) statuses.push((await request(ctx.app).get('/openapi.json')).status);
    expect(statuses.slice(0, 100).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(100).every((status) => status === 429)).toBe(true);
  });

  it('when 300 requests race over two instances that reserve places, then never more than the limit passes and at most their reservations fewer', async () => {
    // Limit 200: each instance reserves at most 4 places ahead, so at most 8 may go unused.
    const servers = await Promise.all(
      [instance({ RATE_LIMIT_MAX: '200' }), instance({ RATE_LIMIT_MAX: '200' })].map((ctx) => listen(ctx.app)),
    );
    try {
      const statuses: number[] = [];
      for (let round = 0; round < 10; round++) {
        statuses.push(
          ...(await Promise.all(
            Array.from({ length: 30 }, (_, index) => fetch(`${servers[index % 2]!.url}/openapi.json`).then((response) => response.status)),
          )),
        );
      }
      const passed = statuses.filter((status) => status === 200).length;
      expect(passed).toBeLessThanOrEqual(200);
      expect(passed).toBeGreaterThanOrEqual(192);
      expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
      const [counter] = await RateLimitCounterModel.find({}).lean();
      expect(counter?.hits).toBeGreaterThanOrEqual(300);
      expect(counter?.hits).toBeLessThanOrEqual(308);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('when the auth limiter and the global one both count a request, then each has its own counter', async () => {
    const ctx = instance({ RATE_LIMIT_MAX: '100', AUTH_RATE_LIMIT_MAX: '2' });
    const login = () => request(ctx.app).post('/api/v1/auth/login').send({ email: 'nobody@example.test', password: 'whatever it is' });
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(401);
    expect((await login()).status).toBe(429);
    const counters = await RateLimitCounterModel.find({}).sort({ key: 1 }).lean();
    expect(counters.map((counter) => [counter.key.split(':')[0], counter.hits])).toEqual([
      ['all', 3],
      ['auth', 3],
    ]);
  });

  it('when probes and metrics are called past the limit, then they are never limited nor counted', async () => {
    const ctx = instance({ RATE_LIMIT_MAX: '2' });
    for (let i = 0; i < 6; i++) {
      await request(ctx.app).get('/healthz').expect(200);
      await request(ctx.app).get('/').expect(200);
      expect((await request(ctx.app).get('/readyz')).status).toBe(200);
    }
    expect(await RateLimitCounterModel.countDocuments({})).toBe(0);
  });

  it('when the in-memory store is chosen, then each instance counts alone and nothing is stored', async () => {
    const first = instance({ RATE_LIMIT_MAX: '2', RATE_LIMIT_STORE: 'memory' });
    const second = instance({ RATE_LIMIT_MAX: '2', RATE_LIMIT_STORE: 'memory' });
    for (let i = 0; i < 2; i++) await request(first.app).get('/openapi.json').expect(200);
    await request(second.app).get('/openapi.json').expect(200);
    expect((await request(first.app).get('/openapi.json')).status).toBe(429);
    expect(await RateLimitCounterModel.countDocuments({})).toBe(0);
  });
});
