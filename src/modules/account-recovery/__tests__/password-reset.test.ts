import type { AddressInfo, Server } from 'node:net';
import request from 'supertest';
import { AccountTokenModel } from '../account-token.model';
import { AuditEventModel } from '../../audit/audit-event.model';
import { LoginAttemptModel } from '../../auth/login-attempt.model';
import { OutboxMessageModel } from '../../mail/outbox-message.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { hashAccountToken } from '../account-token.service';
import { createTestClock } from '../../../../tests/support/context';
import { buildUser, eventually, loginAs, totpCode, uniqueEmail } from '../../../../tests/support/factories';
import { TEST_APP_URL, useMailTestApp } from '../../../../tests/support/mail-app';
import { linkTokenOf } from '../../../../tests/support/mailbox';
import { countedFailures, NO_FAILURES } from '../../../../tests/support/login-attempts';

const NEW_PASSWORD = 'a brand new password for this account';
const RESET_SUBJECT = /Reset your password/;

describe('password reset by mail (/api/v1/auth/password/*)', () => {
  const clock = createTestClock();
  const ctx = useMailTestApp({ MAIL_RESEND_INTERVAL: '60s', PASSWORD_RESET_TTL: '15m' }, { clock: clock.now });
  // Each test moves past the resend interval, so one test's gate never blocks the next.
  beforeEach(() => clock.advance(61_000));

  const forgot = (email: unknown) => request(ctx.app).post('/api/v1/auth/password/forgot').send({ email });
  const reset = (token: unknown, newPassword: unknown = NEW_PASSWORD) =>
    request(ctx.app).post('/api/v1/auth/password/reset').send({ token, newPassword });

  async function mailedToken(email: string): Promise<string> {
    const mail = await ctx.mailbox.waitFor(email, RESET_SUBJECT);
    return linkTokenOf(mail, 'reset-password');
  }

  describe('POST /api/v1/auth/password/forgot', () => {
    it('when the address belongs to an active account, then 202 with no body and a reset mail with a working link', async () => {
      const user = await buildUser(ctx.container, { name: 'Ada <b>Lovelace</b>' });
      // A proven address is greeted by name (escaped); an unproven one gets no text the holder chose.
      await UserModel.updateOne({ _id: user.id }, { $set: { emailVerified: true } });

      const response = await forgot(user.email);

      expect(response.status).toBe(202);
      expect(response.text).toBe('');
      const mail = await ctx.mailbox.waitFor(user.email, RESET_SUBJECT);
      expect(mail.from?.text).toContain('no-reply@keyhold.test');
      expect(mail.text).toContain(`${TEST_APP_URL}/reset-password?token=`);
      expect(mail.html).toContain('Ada &lt;b&gt;Lovelace&lt;/b&gt;');
      expect(mail.messageId).toMatch(/^<[a-f0-9]{24}@keyhold\.test>$/);
      const token = linkTokenOf(mail, 'reset-password');
      expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(32);
      const stored = await AccountTokenModel.findById(hashAccountToken(token)).lean();
      expect(stored).toMatchObject({ purpose: 'password_reset', email: user.email, usedAt: null });
      expect(await AccountTokenModel.countDocuments({ _id: token })).toBe(0);
      const sent = await eventually(() => OutboxMessageModel.findOne({ to: user.email, status: 'sent' }).lean());
      expect(sent).toMatchObject({ text: null, html: null });
      await eventually(() => AuditEventModel.findOne({ type: 'user.password_reset_requested', targetId: user.id }));
    });

    it('when the address is unknown or the account disabled, then the same 202 and no mail, token or queued message', async () => {
      const disabled = await buildUser(ctx.container, { status: 'disabled' });
      const unknown = uniqueEmail('nobody');

      const responses = [await forgot(unknown), await forgot(disabled.email)];

      for (const response of responses) {
        expect(response.status).toBe(202);
        expect(response.text).toBe('');
      }
      await eventually(async () => (await OutboxMessageModel.countDocuments({ to: { $in: [unknown, disabled.email] } })) === 0);
      expect(ctx.mailbox.messagesTo(unknown)).toHaveLength(0);
      expect(ctx.mailbox.messagesTo(disabled.email)).toHaveLength(0);
      expect(await AccountTokenModel.countDocuments({ userId: disabled.id })).toBe(0);
    });

    it('when asked again inside MAIL_RESEND_INTERVAL, then 202 but no new token or mail; after it, a new link voids the old', async () => {
      const user = await buildUser(ctx.container);
      await forgot(user.email).expect(202);
      const first = await mailedToken(user.email);

      clock.advance(30_000);
      await forgot(user.email).expect(202);
      await ctx.container.jobs.outbox.runOnce();
      expect(await AccountTokenModel.countDocuments({ userId: user.id })).toBe(1);
      expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);

      clock.advance(31_000);
      await forgot(user.email).expect(202);
      await eventually(async () => ctx.mailbox.messagesTo(user.email).length === 2);
      const second = linkTokenOf(ctx.mailbox.messagesTo(user.email)[1]!, 'reset-password');

      expect((await reset(first)).body.code).toBe('RESET_TOKEN_INVALID');
      await reset(second).expect(204);
    });

    it('when the body is not a valid address, then 400 VALIDATION_FAILED', async () => {
      expect((await forgot({ $gt: '' })).body.code).toBe('VALIDATION_FAILED');
      expect((await forgot('not-an-address')).status).toBe(400);
      const extra = await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: uniqueEmail(), role: 'admin' });
      expect(extra.status).toBe(400);
    });
  });

  describe('POST /api/v1/auth/password/reset', () => {
    it('when the mailed token is used, then the password changes, every session ends, failures clear and the token is spent', async () => {
      const user = await buildUser(ctx.container);
      const laptop = await loginAs(ctx.app, user, 'laptop');
      const phone = await loginAs(ctx.app, user, 'phone');
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: 'wrong password!' }).expect(401);
      expect(await LoginAttemptModel.countDocuments({ _id: user.email })).toBe(1);
      await forgot(user.email).expect(202);
      const token = await mailedToken(user.email);

      const response = await reset(token);

      expect(response.status).toBe(204);
      for (const signedIn of [laptop, phone]) {
        expect((await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${signedIn.accessToken}`)).body.code).toBe(
          'SESSION_REVOKED',
        );
      }
      expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
      expect(await RefreshTokenModel.countDocuments({ userId: user.id })).toBe(0);
      expect((await UserModel.findById(user.id).lean())?.credentialVersion).toBe(1);
      expect(await countedFailures(user.email)).toEqual(NO_FAILURES);
      expect((await AccountTokenModel.findById(hashAccountToken(token)).lean())?.usedAt).toBeInstanceOf(Date);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: NEW_PASSWORD }).expect(200);
      await eventually(() => AuditEventModel.findOne({ type: 'user.password_reset', targetId: user.id }));
    });

    it('when a used token is presented again, then 400 RESET_TOKEN_INVALID and the password stays', async () => {
      const user = await buildUser(ctx.container);
      await forgot(user.email).expect(202);
      const token = await mailedToken(user.email);
      await reset(token).expect(204);
      const hashAfterReset = (await UserModel.findById(user.id).select('+passwordHash').lean())?.passwordHash;

      const replay = await reset(token, 'yet another password, also long');

      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe('RESET_TOKEN_INVALID');
      expect((await UserModel.findById(user.id).select('+passwordHash').lean())?.passwordHash).toBe(hashAfterReset);
    });

    it('when the token has expired, then 400 RESET_TOKEN_INVALID', async () => {
      const user = await buildUser(ctx.container);
      await forgot(user.email).expect(202);
      const token = await mailedToken(user.email);

      clock.advance(15 * 60_000 + 1);

      expect((await reset(token)).body.code).toBe('RESET_TOKEN_INVALID');
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    });

    it('when the token is wrong or tampered with, then 400 RESET_TOKEN_INVALID; when it is not a string, 400 VALIDATION_FAILED', async () => {
      const user = await buildUser(ctx.container);
      await forgot(user.email).expect(202);
      const token = await mailedToken(user.email);
      const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;

      expect((await reset(tampered)).body.code).toBe('RESET_TOKEN_INVALID');
      expect((await reset('x'.repeat(43))).body.code).toBe('RESET_TOKEN_INVALID');
      expect((await reset({ $ne: null })).body.code).toBe('VALIDATION_FAILED');
      expect((await reset(token, 'short')).body.code).toBe('VALIDATION_FAILED');
      await reset(token).expect(204);
    });

    it('when the password is changed by its owner meanwhile, then the outstanding reset link stops working', async () => {
      const user = await buildUser(ctx.container);
      await forgot(user.email).expect(202);
      const token = await mailedToken(user.email);
      const signedIn = await loginAs(ctx.app, user);
      await request(ctx.app)
        .post('/api/v1/me/password')
        .set('Authorization', `Bearer ${signedIn.accessToken}`)
        .send({ currentPassword: user.password, newPassword: 'changed by the owner meanwhile' })
        .expect(204);

      expect((await reset(token)).body.code).toBe('RESET_TOKEN_INVALID');
    });
  });

  describe('with multi-factor authentication on', () => {
    it('when the password is reset, then MFA stays on and the next login still asks for the code', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user, 'jest', { mfa: false });
      const auth = { Authorization: `Bearer ${signedIn.accessToken}` };
      const started = await request(ctx.app).post('/api/v1/me/mfa/totp').set(auth).send({ password: user.password }).expect(200);
      const code = totpCode(started.body.data.secret, 0, clock.now().getTime());
      await request(ctx.app).post('/api/v1/me/mfa/totp/confirm').set(auth).send({ code }).expect(200);
      await forgot(user.email).expect(202);

      await reset(await mailedToken(user.email)).expect(204);

      const stored = await UserModel.findById(user.id).lean();
      expect(stored?.mfaEnabled).toBe(true);
      const login = await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: NEW_PASSWORD });
      expect(login.status).toBe(403);
      expect(login.body).toMatchObject({ code: 'MFA_REQUIRED', mfaToken: expect.any(String) });
      expect(login.headers['set-cookie']).toBeUndefined();
      expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
    });
  });

  describe('races against a listening server', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = ctx.app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    it('when 25 resets with one token arrive at once, then exactly one succeeds and its password is the one stored', async () => {
      const user = await buildUser(ctx.container);
      await forgot(user.email).expect(202);
      const token = await mailedToken(user.email);
      const passwords = Array.from({ length: 25 }, (_, index) => `racing new password number ${index}`);

      const statuses = await Promise.all(
        passwords.map((newPassword) => post('/api/v1/auth/password/reset', { token, newPassword }).then((r) => r.status)),
      );

      expect(statuses.filter((status) => status === 204)).toHaveLength(1);
      expect(statuses.filter((status) => status === 400)).toHaveLength(24);
      const logins = await Promise.all(
        passwords.map((password) =>
          request(ctx.app)
            .post('/api/v1/auth/login')
            .send({ email: user.email, password })
            .then((r) => r.status),
        ),
      );
      expect(logins.filter((status) => status === 200)).toHaveLength(1);
      expect(passwords[statuses.indexOf(204)]).toBe(passwords[logins.indexOf(200)]);
    });

    it('when 25 forgot requests for one address arrive at once, then one token is minted and one mail sent', async () => {
      const user = await buildUser(ctx.container);

      const statuses = await Promise.all(
        Array.from({ length: 25 }, () => post('/api/v1/auth/password/forgot', { email: user.email }).then((r) => r.status)),
      );

      expect(statuses.every((status) => status === 202)).toBe(true);
      await mailedToken(user.email);
      await ctx.container.jobs.outbox.runOnce();
      expect(await OutboxMessageModel.countDocuments({ to: user.email })).toBe(1);
      expect(await AccountTokenModel.countDocuments({ userId: user.id })).toBe(1);
      expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);
    });
  });
});
