import request from 'supertest';
import packageJson from '../../../../package.json';
import { useTestApp } from '../../../../tests/support/context';

describe('operational routes', () => {
  const ctx = useTestApp();

  describe('GET /', () => {
    it('when called, then it names the service and its version', async () => {
      const response = await request(ctx.app).get('/');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ name: packageJson.name, version: packageJson.version, status: 'ok' });
    });
  });

  describe('GET /healthz', () => {
    it('when the process runs, then it answers 200 with a request id', async () => {
      const response = await request(ctx.app).get('/healthz');
      expect(response.status).toBe(200);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('GET /readyz', () => {
    it('when the database answers, then it is ready', async () => {
      const response = await request(ctx.app).get('/readyz');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'ready', checks: { database: 'up' } });
    });
  });

  describe('X-Request-Id', () => {
    it('when the client sends a sane id, then it is kept', async () => {
      const response = await request(ctx.app).get('/healthz').set('X-Request-Id', 'client-trace-0001');
      expect(response.headers['x-request-id']).toBe('client-trace-0001');
    });

    it('when the client sends a malformed id, then a fresh one replaces it', async () => {
      const response = await request(ctx.app).get('/healthz').set('X-Request-Id', 'bad id <script>');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('security headers', () => {
    it('when any route answers, then helmet headers are present and x-powered-by is not', async () => {
      const response = await request(ctx.app).get('/healthz');
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['strict-transport-security']).toBeDefined();
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['x-powered-by']).toBeUndefined();
    });
  });

  describe('CORS', () => {
    it('when a listed origin asks, then it is allowed with credentials', async () => {
      const response = await request(ctx.app)
        .options('/api/v1/auth/login')
        .set('Origin', 'http://app.example.test')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('http://app.example.test');
      expect(response.headers['access-control-allow-credentials']).toBe('true');
    });

    it('when an unlisted origin asks, then no CORS grant is given', async () => {
      const response = await request(ctx.app)
        .options('/api/v1/auth/login')
        .set('Origin', 'http://evil.example.test')
        .set('Access-Control-Request-Method', 'POST');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });
});
