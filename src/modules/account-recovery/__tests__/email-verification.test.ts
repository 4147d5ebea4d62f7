import request from 'supertest';
import { AccountTokenModel } from '../account-token.model';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { createTestClock } from '../../../../tests/support/context';
import { buildUser, DEFAULT_PASSWORD, eventually, loginAs, uniqueEmail } from '../../../../tests/support/factories';
import { TEST_APP_URL, useMailTestApp } from '../../../../tests/support/mail-app';
import { linkTokenOf } from '../../../../tests/support/mailbox';

const VERIFY_SUBJECT = /Confirm your e-mail address/;

describe('address verification (/api/v1/auth/email/*, /api/v1/me/email/verification)', () => {
  const clock = createTestClock();
  const ctx = useMailTestApp(
    { MAIL_RESEND_INTERVAL: '60s', EMAIL_VERIFICATION_TTL: '24h', REQUIRE_VERIFIED_EMAIL: 'true' },
    { clock: clock.now },
  );
  beforeEach(() => clock.advance(61_000));

  const register = (email: string, name = 'Grace') =>
    request(ctx.app).post('/api/v1/auth/register').send({ email, password: DEFAULT_PASSWORD, name });
  const verify = (token: unknown) => request(ctx.app).post('/api/v1/auth/email/verify').send({ token });
  const login = (email: string, password = DEFAULT_PASSWORD) => request(ctx.app).post('/api/v1/auth/login').send({ email, password });

  async function verificationToken(email: string, index = 0): Promise<string> {
    await ctx.mailbox.waitFor(email, VERIFY_SUBJECT);
    await eventually(async () => ctx.mailbox.messagesTo(email).length > index);
    return linkTokenOf(ctx.mailbox.messagesTo(email)[index]!, 'verify-email');
  }

  describe('POST /api/v1/auth/register then POST /api/v1/auth/email/verify', () => {
    it('when the mailed link is followed, then the account is verified, can sign in, and the token is spent', async () => {
      const email = uniqueEmail('new');
      const created = await register(email);
      expect(created.status).toBe(201);
      expect(created.body.data.user.emailVerified).toBe(false);
      const token = await verificationToken(email);
      expect(ctx.mailbox.messagesTo(email)[0]!.text).toContain(`${TEST_APP_URL}/verify-email?token=`);

      const response = await verify(token);

      expect(response.status).toBe(200);
      expect(response.body.data.user).toMatchObject({ email, emailVerified: true });
      expect((await UserModel.findOne({ email }).lean())?.emailVerified).toBe(true);
      expect((await verify(token)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
      expect((await login(email)).status).toBe(200);
      await eventually(() => AuditEventModel.findOne({ type: 'user.email_verified', targetId: created.body.data.user.id }));
    });

    it('when the link is wrong, tampered with or expired, then 400 VERIFICATION_TOKEN_INVALID and the account stays unverified', async () => {
      const email = uniqueEmail('late');
      await register(email).expect(201);
      const token = await verificationToken(email);

      expect((await verify('not-a-token')).body.code).toBe('VERIFICATION_TOKEN_INVALID');
      expect((await verify(`${token}x`)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
      expect((await verify(['array'])).body.code).toBe('VALIDATION_FAILED');
      clock.advance(24 * 3_600_000 + 1);
      expect((await verify(token)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
      expect((await UserModel.findOne({ email }).lean())?.emailVerified).toBe(false);
    });
  });

  describe('REQUIRE_VERIFIED_EMAIL=true at login', () => {
    it('when an unverified account signs in correctly, then 403 EMAIL_NOT_VERIFIED and no session; a wrong password stays 401', async () => {
      const user = await buildUser(ctx.container);

      const correct = await login(user.email);
      const wrong = await login(user.email, 'not the password at all');

      expect(correct.status).toBe(403);
      expect(correct.body.code).toBe('EMAIL_NOT_VERIFIED');
      expect(correct.headers['set-cookie']).toBeUndefined();
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
    });

    it('when the unverified account is also disabled, then ACCOUNT_DISABLED comes first', async () => {
      const user = await buildUser(ctx.container, { status: 'disabled' });
      expect((await login(user.email)).body.code).toBe('ACCOUNT_DISABLED');
    });
  });

  describe('POST /api/v1/auth/email/verification (public resend)', () => {
    it('when an unverified account asks, then 202 and a new link that voids the first one', async () => {
      const email = uniqueEmail('resend');
      await register(email).expect(201);
      const first = await verificationToken(email);
      clock.advance(61_000);

      const response = await request(ctx.app).post('/api/v1/auth/email/verification').send({ email });

      expect(response.status).toBe(202);
      expect(response.text).toBe('');
      const second = await verificationToken(email, 1);
      expect((await verify(first)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
      await verify(second).expect(200);
    });

    it('when asked inside MAIL_RESEND_INTERVAL, or for an unknown or verified address, then 202 and no mail', async () => {
      const email = uniqueEmail('quick');
      await register(email).expect(201);
      await verificationToken(email);
      const unknown = uniqueEmail('unknown');

      clock.advance(10_000);
      for (const address of [email, unknown]) {
        await request(ctx.app).post('/api/v1/auth/email/verification').send({ email: address }).expect(202);
      }
      await ctx.container.jobs.outbox.runOnce();

      expect(ctx.mailbox.messagesTo(email)).toHaveLength(1);
      expect(ctx.mailbox.messagesTo(unknown)).toHaveLength(0);
      expect(await AccountTokenModel.countDocuments({ email })).toBe(1);
    });
  });

  describe('POST /api/v1/me/email/verification', () => {
    it('when the caller is verified, then 409 EMAIL_ALREADY_VERIFIED; when not, 202 and a mail', async () => {
      const verified = await buildUser(ctx.container);
      await UserModel.updateOne({ _id: verified.id }, { $set: { emailVerified: true } });
      const signedIn = await loginAs(ctx.app, verified);
      const response = await request(ctx.app).post('/api/v1/me/email/verification').set('Authorization', `Bearer ${signedIn.accessToken}`);
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('EMAIL_ALREADY_VERIFIED');

      const unverified = await buildUser(ctx.container);
      await UserModel.updateOne({ _id: unverified.id }, { $set: { emailVerified: true } });
      const session = await loginAs(ctx.app, unverified);
      await UserModel.updateOne({ _id: unverified.id }, { $set: { emailVerified: false } });
      await request(ctx.app).post('/api/v1/me/email/verification').set('Authorization', `Bearer ${session.accessToken}`).expect(202);
      await verify(await verificationToken(unverified.email)).expect(200);
    });

    it('when unauthenticated, then 401', async () => {
      expect((await request(ctx.app).post('/api/v1/me/email/verification')).status).toBe(401);
    });
  });
});
