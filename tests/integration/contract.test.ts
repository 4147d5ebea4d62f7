import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { toOpenApiPath } from '../../src/modules/docs/openapi.document';
import { useTestApp } from '../support/context';
import { buildUser, loginAs } from '../support/factories';
import { listRegisteredRoutes } from '../support/routes';

type Json = Record<string, unknown>;
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>;
  components: Json;
}

describe('the OpenAPI document', () => {
  const ctx = useTestApp();
  let document: OpenApiDocument;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);

  beforeAll(async () => {
    document = (await request(ctx.app).get('/openapi.json').expect(200)).body as OpenApiDocument;
  });

  /** Asserts a real response matches the schema documented for its method, path and status. */
  function expectDocumented(method: string, path: string, response: request.Response): void {
    const documented = document.paths[toOpenApiPath(path)]?.[method]?.responses[String(response.status)];
    expect(documented).toBeDefined();
    if (response.status === 204 || (response.status === 202 && response.text === '')) return;
    const contentType = String(response.headers['content-type']).split(';')[0]!;
    const schema = documented!.content?.[contentType]?.schema;
    expect(schema).toBeDefined();
    const validate = ajv.compile({ ...schema, components: document.components });
    const valid = validate(response.body);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  }

  it('when served, then it is OpenAPI 3.1 with the bearer scheme and the refresh cookie', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components).toMatchObject({
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        refreshCookie: { type: 'apiKey', in: 'cookie', name: 'refreshToken' },
      },
    });
  });

  it('when compared with the Express app, then every registered route is documented and every documented one exists', () => {
    const registered = listRegisteredRoutes(ctx.app)
      // The reference itself and the hosted account pages are pages, not API operations.
      .filter((route) => !/\/(openapi\.json|docs)/.test(route) && !/^GET \/account\b/.test(route))
      .map((route) => {
        const [method, path] = route.split(' ');
        return `${method} ${toOpenApiPath(path!)}`;
      });
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...new Set(registered)].sort()).toEqual([...documented].sort());
  });

  it('when real responses come back, then they match the documented schemas', async () => {
    const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    const register = await request(ctx.app)
      .post('/api/v1/auth/register')
      .send({ email: 'contract@example.test', password: 'a sufficiently long one', name: 'C' });
    const userId = register.body.data.user.id as string;
    const login = await request(ctx.app)
      .post('/api/v1/auth/login')
      .send({ email: 'contract@example.test', password: 'a sufficiently long one' });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const bearer = `Bearer ${login.body.data.accessToken}`;
    const asAdmin = `Bearer ${admin.accessToken}`;
    await ctx.container.services.audit.flush();

    const samples: Array<[string, string, request.Response]> = [
      ['get', '/', await request(ctx.app).get('/')],
      ['get', '/healthz', await request(ctx.app).get('/healthz')],
      ['get', '/readyz', await request(ctx.app).get('/readyz')],
      ['post', '/api/v1/auth/register', register],
      [
        'post',
        '/api/v1/auth/register',
        await request(ctx.app).post('/api/v1/auth/register').send({ email: 'contract@example.test', password: 'a sufficiently long one' }),
      ],
      ['post', '/api/v1/auth/register', await request(ctx.app).post('/api/v1/auth/register').send({ email: 'x' })],
      ['post', '/api/v1/auth/login', login],
      [
        'post',
        '/api/v1/auth/login',
        await request(ctx.app).post('/api/v1/auth/login').send({ email: 'contract@example.test', password: 'wrong password' }),
      ],
      ['get', '/api/v1/me', await request(ctx.app).get('/api/v1/me').set('Authorization', bearer)],
      ['get', '/api/v1/me', await request(ctx.app).get('/api/v1/me')],
      ['patch', '/api/v1/me', await request(ctx.app).patch('/api/v1/me').set('Authorization', bearer).send({ name: 'Contract' })],
      ['get', '/api/v1/me/sessions', await request(ctx.app).get('/api/v1/me/sessions').set('Authorization', bearer)],
      ['get', '/api/v1/users', await request(ctx.app).get('/api/v1/users?limit=5').set('Authorization', asAdmin)],
      ['get', '/api/v1/users', await request(ctx.app).get('/api/v1/users').set('Authorization', bearer)],
      ['get', '/api/v1/users/:id', await request(ctx.app).get(`/api/v1/users/${userId}`).set('Authorization', asAdmin)],
      ['get', '/api/v1/users/:id', await request(ctx.app).get('/api/v1/users/0123456789abcdef01234567').set('Authorization', asAdmin)],
      [
        'patch',
        '/api/v1/users/:id/role',
        await request(ctx.app).patch(`/api/v1/users/${userId}/role`).set('Authorization', asAdmin).send({ role: 'moderator' }),
      ],
      [
        'patch',
        '/api/v1/users/:id/status',
        await request(ctx.app).patch(`/api/v1/users/${userId}/status`).set('Authorization', asAdmin).send({ status: 'active' }),
      ],
      ['get', '/api/v1/users/:id/sessions', await request(ctx.app).get(`/api/v1/users/${userId}/sessions`).set('Authorization', asAdmin)],
      ['get', '/api/v1/audit-events', await request(ctx.app).get('/api/v1/audit-events').set('Authorization', asAdmin)],
      [
        'post',
        '/api/v1/auth/refresh',
        await request(ctx.app).post('/api/v1/auth/refresh').set('Cookie', cookie).set('Content-Type', 'application/json'),
      ],
      [
        'post',
        '/api/v1/auth/refresh',
        await request(ctx.app).post('/api/v1/auth/refresh').set('Cookie', cookie).set('Content-Type', 'application/json'),
      ],
      ['post', '/api/v1/auth/logout', await request(ctx.app).post('/api/v1/auth/logout').set('Content-Type', 'application/json')],
      [
        'post',
        '/api/v1/auth/password/forgot',
        await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: 'contract@example.test' }),
      ],
      [
        'post',
        '/api/v1/auth/password/reset',
        await request(ctx.app).post('/api/v1/auth/password/reset').send({ token: 'unknown', newPassword: 'a sufficiently long one' }),
      ],
      ['post', '/api/v1/auth/email/verify', await request(ctx.app).post('/api/v1/auth/email/verify').send({ token: 'unknown' })],
      [
        'post',
        '/api/v1/auth/email/verification',
        await request(ctx.app).post('/api/v1/auth/email/verification').send({ email: 'x@example.test' }),
      ],
      ['post', '/api/v1/auth/email/revert', await request(ctx.app).post('/api/v1/auth/email/revert').send({ token: 'unknown' })],
      ['post', '/api/v1/me/email/verification', await request(ctx.app).post('/api/v1/me/email/verification').set('Authorization', bearer)],
      ['post', '/api/v1/me/email/verification', await request(ctx.app).post('/api/v1/me/email/verification').set('Authorization', asAdmin)],
      [
        'post',
        '/api/v1/me/email',
        await request(ctx.app)
          .post('/api/v1/me/email')
          .set('Authorization', bearer)
          .send({ newEmail: 'n@example.test', password: 'wrong' }),
      ],
      ...(await habitSamples(asAdmin)),
      ['delete', '/api/v1/users/:id', await request(ctx.app).delete(`/api/v1/users/${userId}`).set('Authorization', asAdmin)],
      ['get', '/.well-known/jwks.json', await request(ctx.app).get('/.well-known/jwks.json')],
      ['get', '/.well-known/openid-configuration', await request(ctx.app).get('/.well-known/openid-configuration')],
      ['get', '/api/v1/signing-keys', await request(ctx.app).get('/api/v1/signing-keys').set('Authorization', asAdmin)],
      ['get', '/api/v1/signing-keys', await request(ctx.app).get('/api/v1/signing-keys').set('Authorization', bearer)],
      [
        'post',
        '/api/v1/signing-keys/rotate',
        await request(ctx.app).post('/api/v1/signing-keys/rotate').set('Authorization', asAdmin).send({}),
      ],
      [
        'delete',
        '/api/v1/signing-keys/:kid',
        await request(ctx.app)
          .delete(`/api/v1/signing-keys/${'A'.repeat(43)}`)
          .set('Authorization', asAdmin)
          .send({}),
      ],
    ];

    for (const [method, path, response] of samples) expectDocumented(method, path, response);
  });

  /** Real answers of every habits route: success, validation, conflicts, and another user's habit (404). */
  async function habitSamples(asAdmin: string): Promise<Array<[string, string, request.Response]>> {
    const as = (token: string) => ({ Authorization: token });
    const bearer = `Bearer ${(await loginAs(ctx.app, await buildUser(ctx.container))).accessToken}`;
    const created = await request(ctx.app).post('/api/v1/habits').set(as(bearer)).send({ name: 'Contract habit', color: '#112233' });
    const id = created.body.data.id as string;
    const today = new Date().toISOString().slice(0, 10);
    return [
      ['get', '/api/v1/me/settings', await request(ctx.app).get('/api/v1/me/settings').set(as(bearer))],
      ['patch', '/api/v1/me/settings', await request(ctx.app).patch('/api/v1/me/settings').set(as(bearer)).send({ weekStart: 0 })],
      ['patch', '/api/v1/me/settings', await request(ctx.app).patch('/api/v1/me/settings').set(as(bearer)).send({ timeZone: 'Nowhere' })],
      ['post', '/api/v1/habits', created],
      ['post', '/api/v1/habits', await request(ctx.app).post('/api/v1/habits').set(as(bearer)).send({ name: 'contract HABIT' })],
      ['post', '/api/v1/habits', await request(ctx.app).post('/api/v1/habits').set(as(bearer)).send({ name: 'x' })],
      ['get', '/api/v1/habits', await request(ctx.app).get('/api/v1/habits').set(as(bearer))],
      ['get', '/api/v1/habits/:id', await request(ctx.app).get(`/api/v1/habits/${id}`).set(as(bearer))],
      ['get', '/api/v1/habits/:id', await request(ctx.app).get(`/api/v1/habits/${id}`).set(as(asAdmin))],
      ['patch', '/api/v1/habits/:id', await request(ctx.app).patch(`/api/v1/habits/${id}`).set(as(bearer)).send({ description: 'Docs' })],
      [
        'put',
        '/api/v1/habits/order',
        await request(ctx.app)
          .put('/api/v1/habits/order')
          .set(as(bearer))
          .send({ ids: [id] }),
      ],
      ['put', '/api/v1/habits/:id/check-ins/:date', await request(ctx.app).put(`/api/v1/habits/${id}/check-ins/${today}`).set(as(bearer))],
      [
        'put',
        '/api/v1/habits/:id/check-ins/:date',
        await request(ctx.app).put(`/api/v1/habits/${id}/check-ins/2999-01-01`).set(as(bearer)),
      ],
      ['get', '/api/v1/habits/:id/check-ins', await request(ctx.app).get(`/api/v1/habits/${id}/check-ins`).set(as(bearer))],
      ['get', '/api/v1/habits/:id/stats', await request(ctx.app).get(`/api/v1/habits/${id}/stats`).set(as(bearer))],
      [
        'delete',
        '/api/v1/habits/:id/check-ins/:date',
        await request(ctx.app).delete(`/api/v1/habits/${id}/check-ins/${today}`).set(as(bearer)),
      ],
      ['delete', '/api/v1/habits/:id', await request(ctx.app).delete(`/api/v1/habits/${id}`).set(as(bearer))],
    ];
  }

  it('when /docs is opened, then it serves the interactive reference with its own assets and a CSP that allows only them', async () => {
    const page = await request(ctx.app).get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/docs/assets/swagger-ui-bundle.js');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const asset = await request(ctx.app).get('/docs/assets/swagger-ui-bundle.js');
    expect(asset.status).toBe(200);
    const api = await request(ctx.app).get('/healthz');
    expect(api.headers['content-security-policy']).toContain("default-src 'none'");
  });
});
