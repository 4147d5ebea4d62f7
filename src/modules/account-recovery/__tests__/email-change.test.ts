import request from 'supertest';
import { AccountTokenModel } from '../account-token.model';
import { AuditEventModel } from '../../audit/audit-event.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { buildUser, enrolMfa, eventually, loginAs, totpCode, uniqueEmail, type SignedIn } from '../../../../tests/support/factories';
import { useMailTestApp } from '../../../../tests/support/mail-app';
import { linkTokenOf } from '../../../../tests/support/mailbox';

describe('address change (/api/v1/me/email, /api/v1/auth/email/verify, /api/v1/auth/email/revert)', () => {
  const ctx = useMailTestApp();

  const changeEmail = (signedIn: SignedIn, body: Record<string, unknown>) =>
    request(ctx.app).post('/api/v1/me/email').set('Authorization', `Bearer ${signedIn.accessToken}`).send(body);

  async function requestChange(signedIn: SignedIn, newEmail = uniqueEmail('new')) {
    await changeEmail(signedIn, { newEmail, password: signedIn.password }).expect(202);
    const verifyMail = await ctx.mailbox.waitFor(newEmail, /Confirm your new e-mail address/);
    const notice = await ctx.mailbox.waitFor(signedIn.email, /being changed/);
    return { newEmail, verifyToken: linkTokenOf(verifyMail, 'verify-email'), revertToken: linkTokenOf(notice, 'revert-email'), notice };
  }

  describe('POST /api/v1/me/email', () => {
    it('when the password is right, then 202, the new address gets a link, the old one a notice whose only link reverts; nothing changes yet', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));

      const { newEmail, notice } = await requestChange(signedIn);

      expect(notice.text).toContain(newEmail);
      expect((notice.text ?? '').match(/https?:\/\/\S+/g)).toHaveLength(1);
      expect((await UserModel.findById(signedIn.id).lean())?.email).toBe(signedIn.email);
    });

    it('when the new address belongs to another account, then 409 EMAIL_TAKEN and no mail', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const other = await buildUser(ctx.container);
      const response = await changeEmail(signedIn, { newEmail: other.email, password: signedIn.password });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('EMAIL_TAKEN');
      expect(await AccountTokenModel.countDocuments({ userId: signedIn.id })).toBe(0);
    });

    it('when MFA is on, then a missing or wrong code answers 400 MFA_CODE_INVALID and nothing is minted; a current code is accepted', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container), 'jest', { mfa: false });
      const { secret } = await enrolMfa(ctx.app, signedIn);

      const missing = await changeEmail(signedIn, { newEmail: uniqueEmail(), password: signedIn.password });
      const wrong = await changeEmail(signedIn, { newEmail: uniqueEmail(), password: signedIn.password, code: '000000' });

      expect([missing.status, missing.body.code]).toEqual([400, 'MFA_CODE_INVALID']);
      expect([wrong.status, wrong.body.code]).toEqual([400, 'MFA_CODE_INVALID']);
      expect(await AccountTokenModel.countDocuments({ userId: signedIn.id })).toBe(0);
      // The step the enrolment spent is refused as a replay; the next one is fresh.
      await changeEmail(signedIn, { newEmail: uniqueEmail('new'), password: signedIn.password, code: totpCode(secret, 1) }).expect(202);
      expect(await AccountTokenModel.countDocuments({ userId: signedIn.id, purpose: 'email_change' })).toBe(1);
    });

    it('when the new address is the current one, then 400 VALIDATION_FAILED; a wrong password 403 INVALID_CREDENTIALS', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const same = await changeEmail(signedIn, { newEmail: signedIn.email.toUpperCase(), password: signedIn.password });
      expect(same.status).toBe(400);
      expect(same.body.code).toBe('VALIDATION_FAILED');
      const wrong = await changeEmail(signedIn, { newEmail: uniqueEmail(), password: 'not my password' });
      expect(wrong.status).toBe(403);
      expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
      expect((await changeEmail(signedIn, { newEmail: { $gt: '' }, password: signedIn.password })).status).toBe(400);
      expect(await AccountTokenModel.countDocuments({ userId: signedIn.id })).toBe(0);
    });

    it('when unauthenticated, then 401', async () => {
      expect((await request(ctx.app).post('/api/v1/me/email').send({ newEmail: uniqueEmail(), password: 'x' })).status).toBe(401);
    });
  });

  describe('following the links', () => {
    it('when the new address is verified, then the account switches to it, verified, and old reset links stop working', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
      const resetToken = linkTokenOf(await ctx.mailbox.waitFor(user.email, /Reset your password/), 'reset-password');
      const { newEmail, verifyToken } = await requestChange(signedIn);

      const response = await request(ctx.app).post('/api/v1/auth/email/verify').send({ token: verifyToken });

      expect(response.status).toBe(200);
      expect(response.body.data.user).toMatchObject({ email: newEmail, emailVerified: true });
      expect((await UserModel.findById(user.id).lean())?.email).toBe(newEmail);
      const resetResponse = await request(ctx.app)
        .post('/api/v1/auth/password/reset')
        .send({ token: resetToken, newPassword: 'a new password, long enough' });
      expect(resetResponse.body.code).toBe('RESET_TOKEN_INVALID');
      await request(ctx.app).post('/api/v1/auth/login').send({ email: newEmail, password: user.password }).expect(200);
      await eventually(() => AuditEventModel.findOne({ type: 'user.email_changed', targetId: user.id }));
    });

    it('when the new address was taken before verification, then 409 EMAIL_TAKEN, nothing changes, and the link works once it is free', async () => {
      const signedIn = await loginAs(ctx.app, await buildUser(ctx.container));
      const { newEmail, verifyToken } = await requestChange(signedIn);
      const squatter = await buildUser(ctx.container, { email: newEmail });

      const response = await request(ctx.app).post('/api/v1/auth/email/verify').send({ token: verifyToken });

      expect(response.status).toBe(409);
      expect(response.body.code).toBe('EMAIL_TAKEN');
      expect((await UserModel.findById(signedIn.id).lean())?.email).toBe(signedIn.email);
      await UserModel.deleteOne({ _id: squatter.id });
      await request(ctx.app).post('/api/v1/auth/email/verify').send({ token: verifyToken }).expect(200);
    });

    it('when the old address uses the revert link after a takeover, then it is restored, every session ends and links are void', async () => {
      const user = await buildUser(ctx.container);
      const victim = await loginAs(ctx.app, user, 'victim');
      const attacker = await loginAs(ctx.app, user, 'attacker');
      const { newEmail, verifyToken, revertToken } = await requestChange(attacker);
      await request(ctx.app).post('/api/v1/auth/email/verify').send({ token: verifyToken }).expect(200);
      await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: newEmail }).expect(202);
      const attackerReset = linkTokenOf(await ctx.mailbox.waitFor(newEmail, /Reset your password/), 'reset-password');

      const response = await request(ctx.app).post('/api/v1/auth/email/revert').send({ token: revertToken });

      expect(response.status).toBe(204);
      expect((await UserModel.findById(user.id).lean())?.email).toBe(user.email);
      expect((await UserModel.findById(user.id).lean())?.credentialVersion).toBe(1);
      expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
      expect(await RefreshTokenModel.countDocuments({ userId: user.id })).toBe(0);
      for (const session of [victim, attacker]) {
        const me = await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${session.accessToken}`);
        expect(me.body.code).toBe('SESSION_REVOKED');
      }
      const reset = await request(ctx.app)
        .post('/api/v1/auth/password/reset')
        .send({ token: attackerReset, newPassword: 'attacker password here' });
      expect(reset.body.code).toBe('RESET_TOKEN_INVALID');
      expect((await request(ctx.app).post('/api/v1/auth/email/revert').send({ token: revertToken })).body.code).toBe(
        'VERIFICATION_TOKEN_INVALID',
      );
      await eventually(() => AuditEventModel.findOne({ type: 'user.email_reverted', targetId: user.id }));
    });

    it('when the revert token is unknown, then 400 VERIFICATION_TOKEN_INVALID', async () => {
      const response = await request(ctx.app).post('/api/v1/auth/email/revert').send({ token: 'no-such-token' });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VERIFICATION_TOKEN_INVALID');
    });
  });
});
