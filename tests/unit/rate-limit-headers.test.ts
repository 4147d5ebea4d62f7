import express from 'express';
import { rateLimit } from 'express-rate-limit';
import request from 'supertest';
import { limitRequests } from '../../src/middleware/rate-limit';

function appWith(...limiters: express.RequestHandler[]): express.Express {
  const app = express();
  app.use(...limiters);
  app.get('/', (_req, res) => void res.json({ ok: true }));
  return app;
}

describe('RateLimit headers', () => {
  it.each([
    [600, 60_000],
    [30, 15 * 60_000],
    [1000, 2 * 3600_000],
    [5, 7 * 86_400_000],
  ])(
    'when %i requests per %i ms are allowed, then the headers are exactly what express-rate-limit writes for draft-8',
    async (limit, windowMs) => {
      const library = appWith(rateLimit({ windowMs, limit, standardHeaders: 'draft-8', legacyHeaders: false }));
      const ours = appWith(limitRequests({ enabled: true, windowMs, limit }));

      for (let i = 0; i < 3; i++) {
        const [expected, actual] = await Promise.all([request(library).get('/'), request(ours).get('/')]);
        expect(actual.headers['ratelimit-policy']).toBe(expected.headers['ratelimit-policy']);
        // The reset second may tick between the two answers.
        const withoutReset = (value: string | undefined) => value?.replace(/t=\d+/, 't=_');
        expect(withoutReset(actual.headers.ratelimit)).toBe(withoutReset(expected.headers.ratelimit));
      }
    },
  );

  it('when two limiters count one request, then each adds its own line, as the library does', async () => {
    const library = appWith(
      rateLimit({ windowMs: 60_000, limit: 100, standardHeaders: 'draft-8', legacyHeaders: false }),
      rateLimit({ windowMs: 60_000, limit: 10, standardHeaders: 'draft-8', legacyHeaders: false }),
    );
    const ours = appWith(
      limitRequests({ enabled: true, windowMs: 60_000, limit: 100 }),
      limitRequests({ enabled: true, windowMs: 60_000, limit: 10 }),
    );

    const [expected, actual] = await Promise.all([request(library).get('/'), request(ours).get('/')]);

    expect(actual.headers['ratelimit-policy']).toBe(expected.headers['ratelimit-policy']);
    expect(actual.headers['ratelimit-policy']).toMatch(/^"100-in-1min"; .*, "10-in-1min"; /);
  });

  it('when the limit is passed, then the 429 carries them too', async () => {
    const ours = appWith(limitRequests({ enabled: true, windowMs: 60_000, limit: 1 }));
    ours.use((error: { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(error.status ?? 500).end();
    });
    await request(ours).get('/');

    const limited = await request(ours).get('/');

    expect(limited.status).toBe(429);
    expect(limited.headers.ratelimit).toMatch(/^"1-in-1min"; r=0; t=\d+$/);
    expect(limited.headers['ratelimit-policy']).toMatch(/^"1-in-1min"; q=1; w=60; pk=:[A-Za-z0-9+/=]+:$/);
  });
});
