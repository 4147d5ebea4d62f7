import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { LoginAttemptModel } from '../login-attempt.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { hashRefreshToken } from '../../sessions/refresh-token';
import { createTestContext, useTestApp } from '../../../../tests/support/context';
import { buildUser, eventually, refreshCookieOf, uniqueEmail } from '../../../../tests/support/factories';
import { countedFailures, NO_FAILURES } from '../../../../tests/support/login-attempts';

const LOGIN = '/api/v1/auth/login';
const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('POST /api/v1/auth/login', () => {
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: '4', LOGIN_LOCKOUT: '10m' });

  it('when the credentials are right, then it returns tokens, user and session and stores only a token hash', async () => {
    const user = await buildUser(ctx.container);

    const response = await request(ctx.app).post(LOGIN).set('User-Agent', CHROME_UA).send({ email: user.email, password: user.password });

    expect(response.status).toBe(200);
    const { data } = response.body;
    expect(data).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 300,
      user: { id: user.id, email: user.email, lastLoginAt: expect.any(String) },
    });
    expect(data.accessToken.split('.')).toHaveLength(3);
    expect(data.session).toMatchObject({
      current: true,
      ip: expect.stringMatching(/127\.0\.0\.1|::1/),
      userAgent: CHROME_UA,
      device: { type: 'desktop', browser: 'Chrome 120', os: 'Windows 10' },
      location: null,
    });
    const cookie = refreshCookieOf(response);
    const token = cookie.split('=')[1]!;
    expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(await RefreshTokenModel.findById(token)).toBeNull();
    const stored = await RefreshTokenModel.findById(hashRefreshToken(token)).lean();
    expect(stored).toMatchObject({ generation: 0, usedAt: null });
    expect(stored?.sessionId.toString()).toBe(data.session.id);
    const session = await SessionModel.findById(data.session.id).lean();
    expect(session?.userId.toString()).toBe(user.id);
    expect((await UserModel.findById(user.id).lean())?.lastLoginAt).toBeInstanceOf(Date);
  });

  it('when logging in, then the refresh cookie is HttpOnly, SameSite=Strict, scoped to /api/v1/auth', async () => {
    const user = await buildUser(ctx.container);
    const response = await request(ctx.app).post(LOGIN).send({ email: user.email, password: user.password });
    const setCookie = ([] as string[]).concat(response.headers['set-cookie'] ?? []).join('\n');
    expect(setCookie).toMatch(/refreshToken=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/api/v1/auth');
    expect(setCookie).toMatch(/Max-Age=\d+/);
    expect(setCookie).not.toContain('Secure');
  });

  it('when the cookie is configured secure (production), then it carries Secure', async () => {
    const secure = createTestContext({ COOKIE_SECURE: 'true' });
    const user = await buildUser(secure.container);
    const response = await request(secure.app).post(LOGIN).send({ email: user.email, password: user.password });
    expect(refreshCookieOf(response)).toBeDefined();
    expect(String(response.headers['set-cookie'])).toContain('Secure');
    await secure.container.close();
  });

  it('when the password is wrong or the email unknown, then both get the same 401 INVALID_CREDENTIALS', async () => {
    const user = await buildUser(ctx.container);

    const wrongPassword = await request(ctx.app).post(LOGIN).send({ email: user.email, password: 'not the password at all' });
    const unknownEmail = await request(ctx.app)
      .post(LOGIN)
      .send({ email: uniqueEmail('ghost'), password: 'not the password at all' });

    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ code: 'INVALID_CREDENTIALS', detail: 'The email or password is wrong.' });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
    await eventually(() => AuditEventModel.findOne({ type: 'auth.login_failed', targetId: user.id }));
  });

  it('when two long passwords share their first 72 bytes, then only the exact one signs in (no bcrypt truncation)', async () => {
    const prefix = 'ü'.repeat(40);
    const user = await buildUser(ctx.container, { password: `${prefix}-the-real-ending` });

    const impostor = await request(ctx.app)
      .post(LOGIN)
      .send({ email: user.email, password: `${prefix}-another-ending` });
    const genuine = await request(ctx.app).post(LOGIN).send({ email: user.email, password: user.password });

    expect(Buffer.byteLength(prefix)).toBeGreaterThan(72);
    expect(impostor.status).toBe(401);
    expect(genuine.status).toBe(200);
  });

  it('when the account is disabled, then 403 ACCOUNT_DISABLED and no session', async () => {
    const user = await buildUser(ctx.container, { status: 'disabled' });
    const response = await request(ctx.app).post(LOGIN).send({ email: user.email, password: user.password });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('ACCOUNT_DISABLED');
    expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
  });

  it('when failures pile up, then the account slows down and then locks with 429 and Retry-After', async () => {
    const user = await buildUser(ctx.container);
    const attempt = (password: string) => request(ctx.app).post(LOGIN).send({ email: user.email, password });

    expect((await attempt('wrong password 1')).status).toBe(401);
    expect((await attempt('wrong password 2')).status).toBe(401);
    const slowed = await attempt(user.password);
    expect(slowed.status).toBe(429);
    expect(slowed.body.code).toBe('RATE_LIMITED');
    expect(Number(slowed.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    await LoginAttemptModel.updateOne({ _id: user.email }, { $set: { lockedUntil: null } });
    expect((await attempt('wrong password 3')).status).toBe(401);
    await LoginAttemptModel.updateOne({ _id: user.email }, { $set: { lockedUntil: null } });
    expect((await attempt('wrong password 4')).status).toBe(401);
    const locked = await attempt(user.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(500);
    expect((await LoginAttemptModel.findById(user.email).lean())?.failures).toBe(4);
  });

  it('when an unknown email fails repeatedly, then it locks the same way (no enumeration through lockout)', async () => {
    const email = uniqueEmail('ghost');
    for (let i = 0; i < 2; i++) await request(ctx.app).post(LOGIN).send({ email, password: 'whatever it is' });
    const response = await request(ctx.app).post(LOGIN).send({ email, password: 'whatever it is' });
    expect(response.status).toBe(429);
  });

  it('when a login succeeds, then the failure counter is reset', async () => {
    const user = await buildUser(ctx.container);
    await request(ctx.app).post(LOGIN).send({ email: user.email, password: 'wrong password 1' }).expect(401);
    await request(ctx.app).post(LOGIN).send({ email: user.email, password: user.password }).expect(200);
    expect(await countedFailures(user.email)).toEqual(NO_FAILURES);
  });
});
