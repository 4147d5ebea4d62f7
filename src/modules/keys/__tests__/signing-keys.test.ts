import { createPublicKey, createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { thumbprintOf } from '../key-material';
import { SigningKeyRingModel } from '../signing-key-ring.model';
import { createTestClock, createTestContext, TEST_ENV, useTestApp, type TestContext } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs, refreshCookieOf, type SignedIn } from '../../../../tests/support/factories';

const ME = '/api/v1/me';
const ISSUER = 'http://localhost:3000';
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

const headerOf = (token: string) => jwt.decode(token, { complete: true })!.header as jwt.JwtHeader & { typ?: string };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('signing keys: ES256 tokens, the JWKS and the admin routes', () => {
  const clock = createTestClock();
  const ctx = useTestApp({ JWKS_MAX_AGE: '10m', SIGNING_KEY_ROTATION: '30d', JWT_ACCESS_TTL: '5m' }, { clock: clock.now });
  let member: SignedIn;
  let admin: SignedIn;
  beforeAll(async () => {
    member = await loginAs(ctx.app, await buildUser(ctx.container));
    admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
  });
  const me = (token: string) => request(ctx.app).get(ME).set(bearer(token));

  describe('GET /.well-known/jwks.json', () => {
    it('when fetched, then every published key is a public JWK whose kid is its RFC 7638 thumbprint, cacheable with an ETag', async () => {
      const response = await request(ctx.app).get('/.well-known/jwks.json');

      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('public, max-age=600');
      expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      const keys = response.body.keys as Record<string, string>[];
      expect(keys.length).toBeGreaterThanOrEqual(1);
      for (const key of keys) {
        expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
        expect(Object.keys(key)).not.toEqual(
          expect.arrayContaining([expect.stringMatching(new RegExp(`^(${PRIVATE_MEMBERS.join('|')})$`))]),
        );
        expect(key.kid).toBe(thumbprintOf({ kty: key.kty, crv: key.crv, x: key.x, y: key.y }));
      }
      expect(keys.map((key) => key.kid)).toContain(headerOf(member.accessToken).kid);
    });

    it('when the ETag is sent back, then 304 without a body', async () => {
      const first = await request(ctx.app).get('/.well-known/jwks.json');
      const again = await request(ctx.app).get('/.well-known/jwks.json').set('If-None-Match', first.headers.etag!);
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
    });

    it('when the discovery document is fetched, then it names the issuer and the JWKS and nothing it does not do', async () => {
      const response = await request(ctx.app).get('/.well-known/openid-configuration');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ issuer: ISSUER, jwks_uri: `${ISSUER}/.well-known/jwks.json` });
    });
  });

  describe('access tokens', () => {
    it('when a token is issued, then it is ES256, typ at+jwt, and its kid is a published key', async () => {
      const header = headerOf(member.accessToken);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
      const jwks = await request(ctx.app).get('/.well-known/jwks.json');
      const jwk = (jwks.body.keys as (Record<string, string> & { kid: string })[]).find((key) => key.kid === header.kid)!;
      // Any JWKS-aware verifier can check it with nothing but the published key.
      const claims = jwt.verify(member.accessToken, createPublicKey({ key: jwk, format: 'jwk' }), {
        algorithms: ['ES256'],
        issuer: ISSUER,
        audience: 'keyhold-api',
        clockTimestamp: Math.floor(clock.now().getTime() / 1000),
      });
      expect(claims).toMatchObject({ sub: member.id, sid: member.sessionId, role: 'user', amr: ['pwd'] });
    });

    const hostile: [string, () => string][] = [
      [
        'alg none',
        () =>
          jwt.sign({ sub: 'x', sid: 'y' }, null, {
            algorithm: 'none',
            header: { alg: 'none', typ: 'at+jwt', kid: headerOf(member.accessToken).kid! },
          }),
      ],
      [
        'HS256 keyed with the published public key',
        () => {
          const pem = publicPemOf(member.accessToken);
          return jwt.sign({ sub: member.id, sid: member.sessionId }, createSecretKey(Buffer.from(pem)), {
            algorithm: 'HS256',
            header: { alg: 'HS256', typ: 'at+jwt', kid: headerOf(member.accessToken).kid! },
            issuer: ISSUER,
            audience: 'keyhold-api',
            expiresIn: 300,
          });
        },
      ],
      [
        'HS256 keyed with JWT_SECRET (a token from before the upgrade)',
        () =>
          jwt.sign({ sub: member.id, sid: member.sessionId, typ: 'access' }, createSecretKey(Buffer.from(TEST_ENV.JWT_SECRET!)), {
            algorithm: 'HS256',
            keyid: 'ZcMmTa0Zr4xW5uV1',
            issuer: 'keyhold',
            audience: 'keyhold-api',
            expiresIn: 300,
          }),
      ],
      [
        'forged kid: an attacker key under a published kid',
        () =>
          jwt.sign({ sub: member.id, sid: member.sessionId }, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, {
            algorithm: 'ES256',
            header: { alg: 'ES256', typ: 'at+jwt', kid: headerOf(member.accessToken).kid! },
            issuer: ISSUER,
            audience: 'keyhold-api',
            expiresIn: 300,
          }),
      ],
      ['oversized token', () => `${member.accessToken.split('.')[0]}.${'A'.repeat(8000)}.sig`],
    ];

    it.each(hostile)('when the token is %s, then 401 TOKEN_INVALID', async (_label, makeToken) => {
      const response = await me(makeToken());
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('TOKEN_INVALID');
      expect(response.headers['www-authenticate']).toBe('Bearer');
    });

    it('when a client holds a token from before the upgrade, then it refreshes with its cookie and the new token works', async () => {
      const user = await buildUser(ctx.container);
      const login = await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
      const legacy = hostile[2]![1]();
      await me(legacy).expect(401);

      const refreshed = await request(ctx.app)
        .post('/api/v1/auth/refresh')
        .set('Cookie', refreshCookieOf(login))
        .set('Origin', 'http://app.example.test')
        .set('Content-Type', 'application/json')
        .send({});

      expect(refreshed.status).toBe(200);
      await me(refreshed.body.data.accessToken).expect(200);
    });

    it('when a flood of tokens names random unknown kids, then the ring is read at most once per second and valid requests still pass', async () => {
      const reads = jest.spyOn(SigningKeyRingModel, 'findById');
      try {
        const strangers = Array.from({ length: 40 }, (_, index) =>
          jwt.sign({ sub: member.id, sid: member.sessionId }, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, {
            algorithm: 'ES256',
            header: { alg: 'ES256', typ: 'at+jwt', kid: `unknown-${index}` },
            issuer: ISSUER,
            audience: 'keyhold-api',
            expiresIn: 300,
          }),
        );
        const started = Date.now();
        const [flood, valid] = await Promise.all([Promise.all(strangers.map((token) => me(token))), me(member.accessToken)]);
        const elapsedSeconds = (Date.now() - started) / 1000;

        expect(flood.every((response) => response.body.code === 'TOKEN_INVALID')).toBe(true);
        expect(valid.status).toBe(200);
        expect(reads.mock.calls.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 1);
      } finally {
        reads.mockRestore();
      }
    });
  });

  describe('/api/v1/signing-keys', () => {
    it('when a member or nobody asks, then 403 FORBIDDEN and 401', async () => {
      await request(ctx.app).get('/api/v1/signing-keys').expect(401);
      const forbidden = await request(ctx.app).get('/api/v1/signing-keys').set(bearer(member.accessToken));
      expect([forbidden.status, forbidden.body.code]).toEqual([403, 'FORBIDDEN']);
      await request(ctx.app).post('/api/v1/signing-keys/rotate').set(bearer(member.accessToken)).send({}).expect(403);
    });

    it('when an admin rotates, then a next key is published before it signs, and becomes current once JWKS_MAX_AGE has passed', async () => {
      const rotated = await request(ctx.app).post('/api/v1/signing-keys/rotate').set(bearer(admin.accessToken)).send({});
      expect(rotated.status).toBe(201);
      const next = rotated.body.data as { kid: string; state: string; activatesAt: string };
      expect(next.state).toBe('next');
      const jwks = await request(ctx.app).get('/.well-known/jwks.json');
      expect((jwks.body.keys as { kid: string }[]).map((key) => key.kid)).toContain(next.kid);
      expect(headerOf((await loginAs(ctx.app, await buildUser(ctx.container))).accessToken).kid).not.toBe(next.kid);

      clock.advance(10 * 60_000 + 1000);
      await ctx.container.jobs.signingKeys.runOnce();
      // Every access token of before has expired meanwhile (JWT_ACCESS_TTL 5m).
      admin = await loginAs(ctx.app, admin);
      member = await loginAs(ctx.app, member);

      const listed = await request(ctx.app).get('/api/v1/signing-keys').set(bearer(admin.accessToken)).expect(200);
      const states = Object.fromEntries((listed.body.data as { kid: string; state: string }[]).map((key) => [key.kid, key.state]));
      expect(states[next.kid]).toBe('current');
      expect(Object.values(states).filter((state) => state === 'current')).toHaveLength(1);
      await me(member.accessToken).expect(200);
      const fresh = await loginAs(ctx.app, await buildUser(ctx.container));
      expect(headerOf(fresh.accessToken).kid).toBe(next.kid);
      await eventually(() => AuditEventModel.findOne({ type: 'key.activated', 'details.kid': next.kid }));
      expect(await AuditEventModel.countDocuments({ type: 'key.created', 'details.kid': next.kid, actorId: admin.id })).toBe(1);
    });

    it('when an admin revokes a key, then it leaves the JWKS and every token it signed is refused; revoking the current key makes another current', async () => {
      const victim = await loginAs(ctx.app, await buildUser(ctx.container));
      const kid = headerOf(victim.accessToken).kid!;

      const revoked = await request(ctx.app).delete(`/api/v1/signing-keys/${kid}`).set(bearer(admin.accessToken)).send({});

      expect(revoked.status).toBe(204);
      const jwks = await request(ctx.app).get('/.well-known/jwks.json');
      expect((jwks.body.keys as { kid: string }[]).map((key) => key.kid)).not.toContain(kid);
      expect((await me(victim.accessToken)).body.code).toBe('TOKEN_INVALID');
      const ring = await SigningKeyRingModel.findById('access-tokens').lean();
      expect(ring!.keys.filter((key) => key.state === 'current')).toHaveLength(1);
      expect(ring!.keys.map((key) => key.kid)).not.toContain(kid);
      const after = await loginAs(ctx.app, await buildUser(ctx.container));
      await me(after.accessToken).expect(200);
      await eventually(() => AuditEventModel.findOne({ type: 'key.revoked', 'details.kid': kid, actorId: admin.id }));
    });

    it('when the kid is malformed, then 400 VALIDATION_FAILED; unknown, then 404', async () => {
      const fresh = await loginAs(ctx.app, admin);
      const malformed = await request(ctx.app).delete('/api/v1/signing-keys/not-a-kid').set(bearer(fresh.accessToken)).send({});
      expect([malformed.status, malformed.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      const unknown = await request(ctx.app)
        .delete(`/api/v1/signing-keys/${'A'.repeat(43)}`)
        .set(bearer(fresh.accessToken))
        .send({});
      expect([unknown.status, unknown.body.code]).toEqual([404, 'NOT_FOUND']);
    });
  });

  /** The published public key of a token's kid, in PEM (what an attacker reads from the JWKS). */
  function publicPemOf(token: string): string {
    const kid = headerOf(token).kid!;
    return jwksPem.get(kid) ?? '';
  }
  const jwksPem = new Map<string, string>();
  beforeAll(async () => {
    const jwks = await request(ctx.app).get('/.well-known/jwks.json');
    for (const key of jwks.body.keys as (Record<string, string> & { kid: string })[]) {
      jwksPem.set(key.kid, createPublicKey({ key, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString());
    }
  });
});

describe('the key ring across instances', () => {
  const clock = createTestClock();
  const contexts: TestContext[] = [];
  const instances = (count: number, overrides: Record<string, string> = {}) =>
    Array.from({ length: count }, () => {
      const context = createTestContext(
        { JWKS_MAX_AGE: '10m', SIGNING_KEY_ROTATION: '30d', JWT_ACCESS_TTL: '5m', ...overrides },
        { clock: clock.now },
      );
      contexts.push(context);
      return context;
    });
  useTestApp();
  afterAll(() => Promise.all(contexts.map((context) => context.container.close())));

  it('when five instances start at once on an empty database, then exactly one key is made and all sign with it', async () => {
    await SigningKeyRingModel.deleteMany({});
    const five = instances(5);

    const signers = await Promise.all(five.map((context) => context.container.keyRing.signer()));

    expect(new Set(signers.map((signer) => signer.kid)).size).toBe(1);
    const ring = await SigningKeyRingModel.findById('access-tokens').lean();
    expect(ring!.keys).toHaveLength(1);
    expect(ring!.keys[0]!.state).toBe('current');
  });

  it('when rotation falls due on five instances at once, then one next key is published, then one becomes current', async () => {
    const five = instances(5);
    await Promise.all(five.map((context) => context.container.keyRing.ensureLoaded()));
    const before = (await SigningKeyRingModel.findById('access-tokens').lean())!;
    const oldKid = before.keys.find((key) => key.state === 'current')!.kid;

    clock.advance(30 * 86_400_000 - 10 * 60_000 + 1000);
    await Promise.all(five.map((context) => context.container.jobs.signingKeys.runOnce()));
    const published = (await SigningKeyRingModel.findById('access-tokens').lean())!;
    clock.advance(10 * 60_000);
    await Promise.all(five.map((context) => context.container.jobs.signingKeys.runOnce()));
    const activated = (await SigningKeyRingModel.findById('access-tokens').lean())!;

    expect(published.keys.filter((key) => key.state === 'next')).toHaveLength(1);
    expect(published.keys.filter((key) => key.state === 'current').map((key) => key.kid)).toEqual([oldKid]);
    expect(activated.keys.filter((key) => key.state === 'current')).toHaveLength(1);
    expect(activated.keys.find((key) => key.state === 'current')!.kid).toBe(published.keys.find((key) => key.state === 'next')!.kid);
    expect(activated.keys.find((key) => key.kid === oldKid)!.state).toBe('retired');
    const kids = await Promise.all(five.map(async (context) => (await context.container.keyRing.signer()).kid));
    expect(new Set(kids).size).toBe(1);

    clock.advance(5 * 60_000 + 10 * 60_000 + 1000);
    await Promise.all(five.map((context) => context.container.jobs.signingKeys.runOnce()));
    const pruned = (await SigningKeyRingModel.findById('access-tokens').lean())!;
    expect(pruned.keys.map((key) => key.kid)).not.toContain(oldKid);
  });

  it('when a key is revoked on one instance, then another refuses its tokens after its next reload', async () => {
    const [first, second] = instances(2);
    const user = await buildUser(first!.container);
    const signedIn = await loginAs(first!.app, user);
    await request(second!.app).get(ME).set(bearer(signedIn.accessToken)).expect(200);

    await first!.container.keyRing.revoke(headerOf(signedIn.accessToken).kid!);
    await second!.container.jobs.signingKeys.runOnce();

    const response = await request(second!.app).get(ME).set(bearer(signedIn.accessToken));
    expect(response.body.code).toBe('TOKEN_INVALID');
  });

  it('when the database comes back without its ring, then the next upkeep makes a new one and tokens of the lost key are refused', async () => {
    await SigningKeyRingModel.deleteMany({});
    const [instance] = instances(1);
    const signedIn = await loginAs(instance!.app, await buildUser(instance!.container));
    await request(instance!.app).get(ME).set(bearer(signedIn.accessToken)).expect(200);

    await SigningKeyRingModel.deleteMany({});
    await instance!.container.jobs.signingKeys.runOnce();

    const ring = (await SigningKeyRingModel.findById('access-tokens').lean())!;
    expect(ring.version).toBe(1);
    expect(ring.keys.map((key) => key.kid)).not.toContain(headerOf(signedIn.accessToken).kid);
    const response = await request(instance!.app).get(ME).set(bearer(signedIn.accessToken));
    expect(response.body.code).toBe('TOKEN_INVALID');
  });

  it('when ACCESS_TOKEN_ALG is RS256 for new keys, then an immediate rotation signs RS256 and older ES256 tokens still verify', async () => {
    const [rsa] = instances(1, { ACCESS_TOKEN_ALG: 'RS256' });
    const user = await buildUser(rsa!.container);
    const before = await loginAs(rsa!.app, user);

    await rsa!.container.keyRing.rotate(true);
    const after = await loginAs(rsa!.app, user);

    expect(headerOf(after.accessToken).alg).toBe('RS256');
    await request(rsa!.app).get(ME).set(bearer(before.accessToken)).expect(200);
    await request(rsa!.app).get(ME).set(bearer(after.accessToken)).expect(200);
  });

  it('when DATA_ENCRYPTION_KEY changes without the previous key, then loading the ring fails with a message naming the key ring; with it, data:rekey re-seals', async () => {
    const [sealer] = instances(1);
    await sealer!.container.keyRing.ensureLoaded();
    const otherKey = randomBytes(32).toString('hex');

    const [locked] = instances(1, { DATA_ENCRYPTION_KEY: otherKey });
    await expect(locked!.container.keyRing.ensureLoaded()).rejects.toThrow(/signing key ring cannot be decrypted/);

    const [rotating] = instances(1, { DATA_ENCRYPTION_KEY: otherKey, DATA_ENCRYPTION_PREVIOUS_KEY: TEST_ENV.DATA_ENCRYPTION_KEY! });
    expect(await rotating!.container.keyRing.resealPrivateKeys()).toBeGreaterThanOrEqual(1);
    const [newOnly] = instances(1, { DATA_ENCRYPTION_KEY: otherKey });
    await expect(newOnly!.container.keyRing.ensureLoaded()).resolves.toBeDefined();
  });
});
