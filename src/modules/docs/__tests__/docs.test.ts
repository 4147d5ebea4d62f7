import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createTestContext, useTestApp } from '../../../../tests/support/context';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking an arbitrary JSON document

describe('the API reference', () => {
  const ctx = useTestApp();

  it('when assets are asked for, then only the two files the page loads are served', async () => {
    await request(ctx.app).get('/docs/assets/swagger-ui-bundle.js').expect(200);
    await request(ctx.app).get('/docs/assets/swagger-ui.css').expect(200);
    for (const file of ['package.json', 'index.html', 'swagger-ui-bundle.js.map', 'oauth2-redirect.html', '..%2Fpackage.json']) {
      await request(ctx.app).get(`/docs/assets/${file}`).expect(404);
    }
  });

  it('when served outside production, then the page has no upgrade-insecure-requests; in production over https it has', async () => {
    const plain = await request(ctx.app).get('/docs').expect(200);
    expect(plain.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect((await request(ctx.app).get('/').expect(200)).headers['content-security-policy']).not.toContain('upgrade-insecure-requests');

    const production = createTestContext({ NODE_ENV: 'production', JWT_SECRET: randomBytes(48).toString('base64url'), TRUST_PROXY: '1' });
    try {
      const overHttps = await request(production.app).get('/docs').set('X-Forwarded-Proto', 'https').expect(200);
      const overHttp = await request(production.app).get('/docs').expect(200);
      expect(overHttps.headers['content-security-policy']).toContain('upgrade-insecure-requests');
      expect(overHttp.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    } finally {
      await production.container.close();
    }
  });

  describe('GET /openapi.json', () => {
    let document: Json;
    beforeAll(async () => {
      document = (await request(ctx.app).get('/openapi.json').expect(200)).body as Json;
    });

    it('when refresh and logout are documented, then they declare a JSON body so Try it out sends the content type', () => {
      for (const path of ['/api/v1/auth/refresh', '/api/v1/auth/logout']) {
        expect(document.paths[path].post.requestBody).toMatchObject({ required: true, content: { 'application/json': { example: {} } } });
      }
    });

    it('when a route answers problems, then each status shows examples of its own codes', () => {
      const responses = document.paths['/api/v1/users/{id}'].get.responses;
      const examplesOf = (status: number) => Object.keys(responses[status].content['application/problem+json'].examples);

      expect(examplesOf(401)).toEqual(['UNAUTHENTICATED', 'TOKEN_EXPIRED', 'TOKEN_INVALID', 'SESSION_REVOKED']);
      expect(examplesOf(403)).toEqual(expect.arrayContaining(['FORBIDDEN']));
      expect(examplesOf(404)).toEqual(['NOT_FOUND']);
      expect(examplesOf(429)).toEqual(['RATE_LIMITED']);
      expect(examplesOf(503)).toEqual(['SERVICE_UNAVAILABLE']);
      expect(responses[404].content['application/problem+json'].examples.NOT_FOUND.value).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    });

    it('when clients are generated, then every operation has its own camelCase operationId', () => {
      const ids = Object.values(document.paths).flatMap((item) =>
        Object.values(item as Json).map((operation) => (operation as Json).operationId),
      );

      expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('when integers are documented, then none carries the safe-integer range as a bound', () => {
      const text = JSON.stringify(document);
      expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
      expect(text).not.toContain(String(Number.MIN_SAFE_INTEGER));
      expect(document.components.schemas.Problem.properties.status).toMatchObject({ type: 'integer', minimum: 400, maximum: 599 });
    });
  });
});
