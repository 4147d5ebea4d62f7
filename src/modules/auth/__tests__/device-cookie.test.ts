import { createHmac } from 'node:crypto';
import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { LoginAttemptModel } from '../login-attempt.model';
import { SessionModel } from '../../sessions/session.model';
import { createTestClock, createTestContext, TEST_ENV, useTestApp } from '../../../../tests/support/context';
import { buildUser, eventually, refreshCookieOf, type TestUser } from '../../../../tests/support/factories';
import { countedFailures, NO_FAILURES } from '../../../../tests/support/login-attempts';

const LOGIN = '/api/v1/auth/login';
const MAX_FAILURES = 3;
const NINETY_DAYS_S = 90 * 24 * 60 * 60;
/** Longer than the slowdown after any failure below the limit, far shorter than the lock and the window. */
const PAUSE_MS = 5000;

function flipFirstCharacter(text: string): string {
  return `${text[0] === 'A' ? 'B' : 'A'}${text.slice(1)}`;
}

describe('device cookies (OWASP): a lockout others caused does not lock out the owner', () => {
  const clock = createTestClock();
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCKOUT: '10m' }, { clock: clock.now });

  // Each attempt comes after the short slowdown a previous failure imposes, so only the limit decides.
  function login(user: Pick<TestUser, 'email'>, password: string, deviceCookie?: string) {
    clock.advance(PAUSE_MS);
    const call = request(ctx.app).post(LOGIN);
    if (deviceCookie) call.set('Cookie', deviceCookie);
    return call.send({ email: user.email, password });
  }

  /** The owner signs in once from their browser and keeps its device cookie. */
  async function deviceCookieOf(user: TestUser): Promise<string> {
    return refreshCookieOf(await login(user, user.password).expect(200), 'deviceToken');
  }

  async function lockFromStrangers(user: Pick<TestUser, 'email'>): Promise<void> {
    for (let i = 0; i < MAX_FAILURES; i++) await login(user, `attacker guess ${i}`).expect(401);
    await login(user, 'attacker guess again').expect(429);
  }

  it('when a login completes, then it sets deviceToken: HttpOnly, Path=/api/v1/auth, SameSite=Strict, 90 days, and logout keeps it', async () => {
    const user = await buildUser(ctx.container);

    const response = await login(user, user.password).expect(200);

    const line = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith('deviceToken='));
    expect(line).toMatch(/^deviceToken=d2\.[0-9a-f]{24}\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43};/);
    expect(line).toContain(`Max-Age=${NINETY_DAYS_S};`);
    expect(line).toContain('Path=/api/v1/auth;');
    expect(line).toContain('HttpOnly');
    expect(line).toContain('SameSite=Strict');
    expect(line).not.toContain('Secure');
    expect(line).toContain(user.id);
    const logout = await request(ctx.app)
      .post('/api/v1/auth/logout')
      .set('Cookie', [refreshCookieOf(response), refreshCookieOf(response, 'deviceToken')])
      .set('Content-Type', 'application/json')
      .expect(204);
    expect(String(logout.headers['set-cookie'])).not.toContain('deviceToken');
  });

  it('when cookies are secure, then the device cookie is Secure too and takes DEVICE_COOKIE_NAME and DEVICE_COOKIE_TTL', async () => {
    const secure = createTestContext({ COOKIE_SECURE: 'true', DEVICE_COOKIE_NAME: 'kh_device', DEVICE_COOKIE_TTL: '2d' });
    try {
      const user = await buildUser(secure.container);
      const response = await request(secure.app).post(LOGIN).send({ email: user.email, password: user.password }).expect(200);
      const line = ([] as string[]).concat(response.headers['set-cookie'] ?? []).find((cookie) => cookie.startsWith('kh_device='));
      expect(line).toContain('Secure');
      expect(line).toContain(`Max-Age=${2 * 24 * 60 * 60};`);
    } finally {
      await secure.container.close();
    }
  });

  it('when strangers lock the account, then the owner with a device cookie still signs in and the strangers stay locked out', async () => {
    const owner = await buildUser(ctx.container);
    const device = await deviceCookieOf(owner);

    await lockFromStrangers(owner);
    const strangerWithRightPassword = await login(owner, owner.password);
    const ownerLogin = await login(owner, owner.password, device);

    expect(strangerWithRightPassword.status).toBe(429);
    expect(ownerLogin.status).toBe(200);
    expect(await SessionModel.countDocuments({ userId: owner.id, revokedAt: null })).toBe(2);
    expect(await LoginAttemptModel.findById(owner.email).lean()).toMatchObject({ failures: MAX_FAILURES, lockedAt: expect.any(Date) });
    expect((await login(owner, owner.password)).status).toBe(429);
    const locked = await eventually(() => AuditEventModel.findOne({ type: 'auth.login_locked', targetId: owner.id }).lean());
    expect(locked.details).toMatchObject({ scope: 'account', lockedForMs: 600_000 });
  });

  it("when a sibling site tosses in a device cookie of the same name ahead of the owner's, then the owner's own still gets past the lock", async () => {
    const owner = await buildUser(ctx.container);
    const stranger = await buildUser(ctx.container);
    const device = await deviceCookieOf(owner);
    const tossed = await deviceCookieOf(stranger);

    await lockFromStrangers(owner);
    const tossedFirst = await login(owner, owner.password, `${tossed}; ${device}`);
    const tossedLast = await login(owner, owner.password, `${device}; ${tossed}`);
    const onlyTossed = await login(owner, owner.password, tossed);

    expect([tossedFirst.status, tossedLast.status, onlyTossed.status]).toEqual([200, 200, 429]);
    expect(await SessionModel.countDocuments({ userId: owner.id, revokedAt: null })).toBe(3);
  });

  it('when the owner mistypes with a device cookie, then those failures count against that cookie only', async () => {
    const owner = await buildUser(ctx.container);
    const device = await deviceCookieOf(owner);

    await login(owner, 'owner typo', device).expect(401);

    expect(await countedFailures(owner.email)).toEqual(NO_FAILURES);
    expect(await LoginAttemptModel.countDocuments({ _id: { $regex: `^device:${owner.id}:` }, failures: 1 })).toBe(1);
  });

  it("when the owner's device cookie is presented for another account, then it is ignored", async () => {
    const owner = await buildUser(ctx.container);
    const victim = await buildUser(ctx.container);
    const device = await deviceCookieOf(owner);
    await lockFromStrangers(victim);

    const response = await login(victim, victim.password, device);

    expect(response.status).toBe(429);
    expect(await SessionModel.countDocuments({ userId: victim.id })).toBe(0);
  });

  it('when a device cookie is forged, altered or expired, then it counts as absent', async () => {
    const owner = await buildUser(ctx.container);
    const device = await deviceCookieOf(owner);
    await lockFromStrangers(owner);
    const [name, value] = device.split('=') as [string, string];
    const [version, account, expiry, nonce] = value.split('.') as [string, string, string, string];
    const signWith = (secret: string, payload: string) => {
      const key = createHmac('sha256', secret).update('keyhold/device-cookie/v1').digest();
      return `${payload}.${createHmac('sha256', key).update(payload).digest('base64url')}`;
    };
    const forgeries = [
      `${name}=${signWith('a-guessed-secret-that-is-not-the-real-one', [version, account, expiry, nonce].join('.'))}`,
      `${name}=${[version, account, String(Number(expiry) + 1), nonce].join('.')}.${value.split('.')[4]}`,
      `${name}=${[version, account, expiry, nonce].join('.')}.${flipFirstCharacter(value.split('.')[4]!)}`,
      `${name}=${signWith(TEST_ENV.JWT_SECRET!, [version, account, String(Math.floor(clock.now().getTime() / 1000) - 1), nonce].join('.'))}`,
      `${name}=not-a-device-token`,
    ];

    for (const forged of forgeries) expect((await login(owner, owner.password, forged)).status).toBe(429);
    expect((await login(owner, owner.password, device)).status).toBe(200);
  });

  it('when a device cookie reaches its own limit, then that cookie is locked and counts as absent while other clients are unaffected', async () => {
    const owner = await buildUser(ctx.container);
    const device = await deviceCookieOf(owner);
    const otherDevice = await deviceCookieOf(owner);

    for (let i = 0; i < MAX_FAILURES; i++) await login(owner, `stolen laptop guess ${i}`, device).expect(401);
    const deviceLock = await LoginAttemptModel.findOne({ _id: { $regex: `^device:${owner.id}:` }, failures: MAX_FAILURES }).lean();
    expect(deviceLock?.lockedAt).toBeInstanceOf(Date);
    expect(await countedFailures(owner.email)).toEqual(NO_FAILURES);

    // The locked cookie now counts as no cookie: its next guesses land on the account's allowance.
    await login(owner, 'stolen laptop guess again', device).expect(401);
    expect((await LoginAttemptModel.findById(owner.email).lean())?.failures).toBe(1);
    expect((await login(owner, owner.password)).status).toBe(200);
    expect((await login(owner, owner.password, otherDevice)).status).toBe(200);
    await eventually(() => AuditEventModel.findOne({ type: 'auth.login_locked', targetId: owner.id, 'details.scope': 'device' }));
  });

  it("when the owner signs in with a device cookie, then the account's lock on other clients stays", async () => {
    const owner = await buildUser(ctx.container);
    const device = await deviceCookieOf(owner);
    await lockFromStrangers(owner);

    await login(owner, owner.password, device).expect(200);

    expect((await login(owner, owner.password)).status).toBe(429);
    expect((await LoginAttemptModel.findById(owner.email).lean())?.lockedAt).toBeInstanceOf(Date);
  });
});
