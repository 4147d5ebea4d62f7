import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { UserModel } from '../../src/modules/users/user.model';
import { createGeoLocator } from '../../src/modules/geoip/geo-locator.service';
import { createTestContext, useTestApp } from '../support/context';
import { buildUser, loginAs, uniqueEmail } from '../support/factories';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('smaller hardening promises', () => {
  const ctx = useTestApp();

  describe('Cache-Control: no-store on /api/v1/auth/* and /api/v1/me*', () => {
    it('when auth and self routes answer, successes and errors alike, then the response says no-store', async () => {
      const user = await buildUser(ctx.container);
      const login = await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password });
      const signedIn = await loginAs(ctx.app, user);
      const answers = [
        login,
        await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: 'wrong password!' }),
        await request(ctx.app).post('/api/v1/auth/login').send({ email: 'not an email' }),
        await request(ctx.app).post('/api/v1/auth/refresh').set('Content-Type', 'application/json').send({}),
        await request(ctx.app).get('/api/v1/me').set(bearer(signedIn.accessToken)),
        await request(ctx.app).get('/api/v1/me'),
        await request(ctx.app).get('/api/v1/me/sessions').set(bearer(signedIn.accessToken)),
        await request(ctx.app).put('/api/v1/me'),
        await request(ctx.app).get('/api/v1/auth/nothing-here'),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([200, 401, 400, 401, 200, 401, 200, 405, 404]);
      for (const answer of answers) expect(answer.headers['cache-control']).toBe('no-store');
    });

    it('when the auth rate limit answers 429, then it says no-store too', async () => {
      const limited = createTestContext({ RATE_LIMIT_ENABLED: 'true', AUTH_RATE_LIMIT_MAX: '1', RATE_LIMIT_STORE: 'memory' });
      try {
        await request(limited.app).post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'x' });
        const answer = await request(limited.app).post('/api/v1/auth/login').send({ email: uniqueEmail(), password: 'x' });
        expect(answer.status).toBe(429);
        expect(answer.headers['cache-control']).toBe('no-store');
      } finally {
        await limited.container.close();
      }
    });
  });

  describe('names', () => {
    it.each([
      ['a right-to-left override', 'Ada \u202egnp.exe'],
      ['a first-strong isolate', 'Ada\u2068Lovelace'],
      ['a left-to-right mark', 'Ada\u200e'],
      ['a newline', 'Ada\nAdmin: yes'],
      ['a NUL', 'Ada\u0000'],
      ['a C1 control', 'Ada\u009b'],
      ['nothing but spaces', '   \u3000 '],
    ])('when a name contains %s, then 400 VALIDATION_FAILED and nothing is stored', async (_label, name) => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container, { name: 'Before' }));
      const email = uniqueEmail();
      const registered = await request(ctx.app)
        .post('/api/v1/auth/register')
        .send({ email, password: 'correct horse battery staple', name });
      const patched = await request(ctx.app).patch('/api/v1/me').set(bearer(signedIn.accessToken)).send({ name });
      expect([registered.status, patched.status]).toEqual([400, 400]);
      expect(patched.body.errors[0].path).toBe('name');
      expect(await UserModel.countDocuments({ email })).toBe(0);
      expect((await UserModel.findById(signedIn.id).lean())?.name).toBe('Before');
    });

    it('when a name has emoji, accents and surrounding spaces, then it is stored trimmed', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await request(ctx.app).patch('/api/v1/me').set(bearer(signedIn.accessToken)).send({ name: '  Zoë 👩🏽‍💻 O’Brien ' });
      expect(response.status).toBe(200);
      expect((await UserModel.findById(signedIn.id).lean())?.name).toBe('Zoë 👩🏽‍💻 O’Brien');
    });
  });

  describe('passwords', () => {
    it.each([' '.repeat(20), '\t'.repeat(16), '\u3000'.repeat(16)])(
      'when a new password is only whitespace (%j), then 400 and nothing is stored',
      async (password) => {
        const email = uniqueEmail();
        const registered = await request(ctx.app).post('/api/v1/auth/register').send({ email, password });
        expect(registered.status).toBe(400);
        expect(registered.body.errors[0].path).toBe('password');
        expect(await UserModel.countDocuments({ email })).toBe(0);

        const user = await buildUser(ctx.container);
        const signedIn = await loginAs(ctx.app, user);
        const before = (await UserModel.findById(user.id).select('+passwordHash').lean())?.passwordHash;
        const changed = await request(ctx.app)
          .post('/api/v1/me/password')
          .set(bearer(signedIn.accessToken))
          .send({ currentPassword: user.password, newPassword: password });
        expect(changed.status).toBe(400);
        expect((await UserModel.findById(user.id).select('+passwordHash').lean())?.passwordHash).toBe(before);
      },
    );

    it('when a password merely contains spaces, then it is fine', async () => {
      const email = uniqueEmail();
      const response = await request(ctx.app).post('/api/v1/auth/register').send({ email, password: '   spaced   out   ' });
      expect(response.status).toBe(201);
    });
  });

  describe('the documented schemas are exactly what the server accepts', () => {
    const EMAILS = [
      'ada@example.com',
      '  Ada@Example.COM ',
      "o'neil+tag@mail.example.io",
      'a..b@example.com',
      '.ada@example.com',
      'ada.@example.com',
      'ada@example',
      'ada@-example.com',
      'ada@example.c',
      'ädä@example.com',
      '\tada@example.com',
      'ada@example.com\n',
      'a"b@example.com',
      `${'a'.repeat(250)}@x.io`,
    ];

    it('when login gets each of a set of tricky addresses, then the server rejects (400) exactly those the OpenAPI pattern rejects', async () => {
      const document = (await request(ctx.app).get('/openapi.json')).body;
      const email = document.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.properties.email;
      const documented = (value: string) => new RegExp(email.pattern).test(value) && value.length <= email.maxLength;
      for (const value of EMAILS) {
        const answer = await request(ctx.app).post('/api/v1/auth/login').send({ email: value, password: 'whatever it is' });
        expect({ value, accepted: answer.status !== 400 }).toEqual({ value, accepted: documented(value) });
      }
    });

    it('when an address schemathesis found is registered, then the returned email matches the documented User schema', async () => {
      const local = `q._.nz.p.x0g0xxl.i0va.+whmjqb0hci8c.yd.3.ijxuvbi00rice.rwfr4+.wcv7nc.pcfi.${Date.now()}'tudlw+bzf0d`;
      const response = await request(ctx.app)
        .post('/api/v1/auth/register')
        .send({ email: `   ${local}@E.q.aR  `, password: 'correct horse battery staple' });
      expect(response.status).toBe(201);
      const document = (await request(ctx.app).get('/openapi.json')).body;
      const email = document.components.schemas.User.properties.email;
      expect(email.format).toBeUndefined();
      expect(new RegExp(email.pattern).test(response.body.data.user.email)).toBe(true);
      expect(response.body.data.user.email).toBe(`${local}@e.q.ar`);
    });

    it('when an id is written in upper case, then the documented id pattern admits it as the server does', async () => {
      const document = (await request(ctx.app).get('/openapi.json')).body;
      const id = document.paths['/api/v1/users/{id}'].get.parameters.find((parameter: { name: string }) => parameter.name === 'id');
      expect(new RegExp(id.schema.pattern).test('0123456789ABCDEF01234567')).toBe(true);
    });
  });

  describe('GET /readyz', () => {
    it('when the GeoIP database failed to load, then readiness reports the state but no file path', async () => {
      const secretDir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyhold-secret-layout-'));
      const locator = createGeoLocator();
      await fs.writeFile(path.join(secretDir, 'GeoLite2-City.mmdb'), 'not a database');
      await locator.load(path.join(secretDir, 'GeoLite2-City.mmdb')).catch(() => undefined);
      const withGeo = createTestContext({}, { geo: locator });
      try {
        const response = await request(withGeo.app).get('/readyz');
        expect(response.status).toBe(200);
        expect(response.body.geoip).toEqual({ state: 'error', databaseBuiltAt: null, loadedAt: null });
        expect(response.text).not.toContain(secretDir);
        expect(response.text).not.toContain(os.tmpdir());
        expect(response.text).not.toMatch(/mmdb|ENOENT|cannot load/);
      } finally {
        await withGeo.container.close();
        await fs.rm(secretDir, { recursive: true, force: true });
      }
    });
  });
});
