import { createHash } from 'node:crypto';
import request from 'supertest';
import { createSweepJob } from '../../../sweep.job';
import { AuditEventModel } from '../../audit/audit-event.model';
import { LoginAttemptModel } from '../../auth/login-attempt.model';
import { OutboxMessageModel } from '../../mail/outbox-message.model';
import { MfaChallengeModel } from '../mfa-challenge.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { createTestClock, useTestApp } from '../../../../tests/support/context';
import { buildUser, enrolMfa, eventually, loginAs, totpCode, type SignedIn, type TestUser } from '../../../../tests/support/factories';
import { useListeningServer } from '../../../../tests/support/listening';
import { countedFailures, NO_FAILURES } from '../../../../tests/support/login-attempts';

const STEP_MS = 30_000;
const MAX_FAILURES = 5;

describe('multi-factor authentication (TOTP)', () => {
  // Starts mid-step, so the few milliseconds a test takes never cross a step boundary by accident.
  const clock = createTestClock(new Date(Math.floor(Date.now() / STEP_MS) * STEP_MS + 10_000));
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: String(MAX_FAILURES), MFA_TOKEN_TTL: '5m' }, { clock: clock.now });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const codeAt = (secret: string, offsetSteps = 0) => totpCode(secret, offsetSteps, clock.now().getTime());

  async function enrol(user: TestUser): Promise<{ signedIn: SignedIn; secret: string; recoveryCodes: string[] }> {
    const signedIn = await loginAs(ctx.app, user, 'jest', { mfa: false });
    const started = await request(ctx.app).post('/api/v1/me/mfa/totp').set(bearer(signedIn.accessToken)).send({ password: user.password });
    expect(started.status).toBe(200);
    const secret = started.body.data.secret as string;
    const confirmed = await request(ctx.app)
      .post('/api/v1/me/mfa/totp/confirm')
      .set(bearer(signedIn.accessToken))
      .send({ code: codeAt(secret) });
    expect(confirmed.status).toBe(200);
    return { signedIn, secret, recoveryCodes: confirmed.body.data.recoveryCodes };
  }

  async function passwordStep(user: TestUser): Promise<string> {
    const response = await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('MFA_REQUIRED');
    return response.body.mfaToken as string;
  }

  const verify = (mfaToken: string, code: string) => request(ctx.app).post('/api/v1/auth/mfa/verify').send({ mfaToken, code });

  describe('the whole cycle', () => {
    it('when a user enrols, signs in with a code and with a recovery code, then disables MFA, then each step holds in the database', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);

      const started = await request(ctx.app)
        .post('/api/v1/me/mfa/totp')
        .set(bearer(signedIn.accessToken))
        .send({ password: user.password });
      expect(started.status).toBe(200);
      const { secret, otpauthUrl } = started.body.data as { secret: string; otpauthUrl: string };
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const url = new URL(otpauthUrl);
      expect(url.protocol).toBe('otpauth:');
      expect(url.host).toBe('totp');
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        secret,
        algorithm: 'SHA1',
        digits: '6',
        period: '30',
        issuer: 'Keyhold',
      });
      const pending = await UserModel.findById(user.id).select('+mfaSecret').lean();
      expect(pending?.mfaEnabled).toBe(false);
      // Encrypted at rest: neither the base32 secret nor its bytes appear in the stored document.
      expect(pending?.mfaSecret).toMatch(/^v1\./);
      expect(JSON.stringify(pending)).not.toContain(secret);
      expect(JSON.stringify(pending)).not.toContain(Buffer.from(secret).toString('base64'));

      const confirmed = await request(ctx.app)
        .post('/api/v1/me/mfa/totp/confirm')
        .set(bearer(signedIn.accessToken))
        .send({ code: codeAt(secret) });
      expect(confirmed.status).toBe(200);
      const recoveryCodes = confirmed.body.data.recoveryCodes as string[];
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);
      for (const code of recoveryCodes) {
        expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
        expect(code.replace(/-/g, '').length * 5).toBeGreaterThanOrEqual(112);
      }
      const enabled = await UserModel.findById(user.id).select('+mfaRecoveryCodes').lean();
      expect(enabled?.mfaEnabled).toBe(true);
      expect(enabled?.mfaRecoveryCodes).toEqual(
        recoveryCodes.map((code) => createHash('sha256').update(code.replace(/-/g, '')).digest('hex')),
      );
      const me = await request(ctx.app).get('/api/v1/me').set(bearer(signedIn.accessToken));
      expect(me.body.data.session.amr).toEqual(['pwd', 'otp']);
      expect(me.body.data.user.mfaEnabled).toBe(true);
      await eventually(() => AuditEventModel.findOne({ type: 'user.mfa_enabled', targetId: user.id }));

      // The password step: 403 MFA_REQUIRED, no cookie, no session.
      const sessionsBefore = await SessionModel.countDocuments({ userId: user.id });
      const passwordOnly = await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password });
      expect(passwordOnly.status).toBe(403);
      expect(passwordOnly.body).toMatchObject({ code: 'MFA_REQUIRED', expiresIn: 300, mfaToken: expect.any(String) });
      expect(passwordOnly.headers['set-cookie']).toBeUndefined();
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(sessionsBefore);
      const stored = await MfaChallengeModel.findOne({ userId: user.id }).lean();
      expect(stored?._id).toBe(createHash('sha256').update(passwordOnly.body.mfaToken).digest('hex'));

      clock.advance(STEP_MS);
      const verified = await verify(passwordOnly.body.mfaToken, codeAt(secret));
      expect(verified.status).toBe(200);
      expect(verified.body.data).toMatchObject({
        tokenType: 'Bearer',
        user: { id: user.id, mfaEnabled: true },
        session: { amr: ['pwd', 'otp'] },
      });
      expect(String(verified.headers['set-cookie'])).toContain('refreshToken=');
      // The login completed only now: the device cookie comes with it, never with the password step.
      expect(String(verified.headers['set-cookie'])).toContain('deviceToken=');
      expect((await SessionModel.findById(verified.body.data.session.id).lean())?.amr).toEqual(['pwd', 'otp']);

      const withRecovery = await verify(await passwordStep(user), recoveryCodes[0]!.toUpperCase());
      expect(withRecovery.status).toBe(200);
      expect(withRecovery.body.data.session.amr).toEqual(['pwd', 'otp']);
      expect((await UserModel.findById(user.id).select('+mfaRecoveryCodes').lean())?.mfaRecoveryCodes).toHaveLength(9);
      await eventually(() => AuditEventModel.findOne({ type: 'auth.recovery_code_used', targetId: user.id }));
      const reused = await verify(await passwordStep(user), recoveryCodes[0]!);
      expect(reused.status).toBe(400);
      expect(reused.body.code).toBe('MFA_CODE_INVALID');

      clock.advance(STEP_MS);
      const disabled = await request(ctx.app)
        .delete('/api/v1/me/mfa/totp')
        .set(bearer(signedIn.accessToken))
        .send({ password: user.password, code: codeAt(secret) });
      expect(disabled.status).toBe(204);
      const off = await UserModel.findById(user.id).select('+mfaSecret +mfaRecoveryCodes').lean();
      expect(off).toMatchObject({ mfaEnabled: false, mfaSecret: null });
      expect(off?.mfaRecoveryCodes ?? []).toHaveLength(0);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
      await eventually(() => AuditEventModel.findOne({ type: 'user.mfa_disabled', targetId: user.id }));
    });
  });

  describe('POST /api/v1/auth/mfa/verify', () => {
    it('when the code of a time step already used is replayed, then 400 MFA_CODE_INVALID; the next step works', async () => {
      const user = await buildUser(ctx.container);
      const { secret } = await enrol(user);
      const replay = await verify(await passwordStep(user), codeAt(secret));
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe('MFA_CODE_INVALID');
      clock.advance(STEP_MS);
      expect((await verify(await passwordStep(user), codeAt(secret))).status).toBe(200);
    });

    it('when the code is one step off either way, then it is accepted; two steps off, refused', async () => {
      const user = await buildUser(ctx.container);
      const { secret } = await enrol(user);
      clock.advance(5 * STEP_MS);
      expect((await verify(await passwordStep(user), codeAt(secret, -2))).body.code).toBe('MFA_CODE_INVALID');
      expect((await verify(await passwordStep(user), codeAt(secret, -1))).status).toBe(200);
      expect((await verify(await passwordStep(user), codeAt(secret, 2))).body.code).toBe('MFA_CODE_INVALID');
      expect((await verify(await passwordStep(user), codeAt(secret, 1))).status).toBe(200);
      // A step is accepted only after the last one used: the current step now lies behind step +1.
      expect((await verify(await passwordStep(user), codeAt(secret))).body.code).toBe('MFA_CODE_INVALID');
    });

    it('when an mfaToken is used twice, or after it expired, then 401 MFA_TOKEN_INVALID', async () => {
      const user = await buildUser(ctx.container);
      const { recoveryCodes } = await enrol(user);
      const mfaToken = await passwordStep(user);
      expect((await verify(mfaToken, recoveryCodes[0]!)).status).toBe(200);
      const reused = await verify(mfaToken, recoveryCodes[1]!);
      expect(reused.status).toBe(401);
      expect(reused.body.code).toBe('MFA_TOKEN_INVALID');

      const expiring = await passwordStep(user);
      clock.advance(5 * 60_000 + 1000);
      expect((await verify(expiring, recoveryCodes[1]!)).body.code).toBe('MFA_TOKEN_INVALID');
      expect((await createSweepJob(ctx.container).runOnce()).mfaChallenges).toBeGreaterThanOrEqual(1);
      expect(await MfaChallengeModel.countDocuments({ userId: user.id, usedAt: null })).toBe(0);
      expect((await verify('not-a-token', recoveryCodes[1]!)).status).toBe(401);
      expect((await UserModel.findById(user.id).select('+mfaRecoveryCodes').lean())?.mfaRecoveryCodes).toHaveLength(9);
    });

    it('when 5 wrong codes were sent, then the mfaToken is void even for the right code; failures count on the account and are audited', async () => {
      const user = await buildUser(ctx.container);
      const { recoveryCodes } = await enrol(user);
      const mfaToken = await passwordStep(user);
      // Each wait lets the account's growing slowdown (from half of LOGIN_MAX_FAILURES on) pass.
      for (let attempt = 0; attempt < 4; attempt += 1) {
        expect((await verify(mfaToken, '000000')).body.code).toBe('MFA_CODE_INVALID');
        clock.advance(STEP_MS);
      }
      expect((await verify(mfaToken, 'aaaa-bbbb-cccc-dddd-eeee-ffff')).body.code).toBe('MFA_CODE_INVALID');
      const sixth = await verify(mfaToken, recoveryCodes[0]!);
      expect(sixth.status).toBe(401);
      expect(sixth.body.code).toBe('MFA_TOKEN_INVALID');
      expect((await UserModel.findById(user.id).select('+mfaRecoveryCodes').lean())?.mfaRecoveryCodes).toHaveLength(10);
      expect((await LoginAttemptModel.findById(user.email).lean())?.failures).toBe(5);
      await eventually(async () => (await AuditEventModel.countDocuments({ type: 'auth.mfa_failed', targetId: user.id })) === 5);
      // The account is now locked for clients without a device of their own: the password step answers 429.
      expect((await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password })).status).toBe(429);
    });

    it('when the password changes between the password step and the code, then the mfaToken is void', async () => {
      const user = await buildUser(ctx.container);
      const { signedIn, recoveryCodes } = await enrol(user);
      const mfaToken = await passwordStep(user);
      await request(ctx.app)
        .post('/api/v1/me/password')
        .set(bearer(signedIn.accessToken))
        .send({ currentPassword: user.password, newPassword: 'a completely new password' })
        .expect(204);
      const response = await verify(mfaToken, recoveryCodes[0]!);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('MFA_TOKEN_INVALID');
      expect((await UserModel.findById(user.id).select('+mfaRecoveryCodes').lean())?.mfaRecoveryCodes).toHaveLength(10);
    });

    it('when the password step succeeds, then earlier failures are kept until the login completes', async () => {
      const user = await buildUser(ctx.container);
      const { secret } = await enrol(user);
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: 'wrong password!' }).expect(401);
      const mfaToken = await passwordStep(user);
      expect((await LoginAttemptModel.findById(user.email).lean())?.failures).toBe(1);
      clock.advance(STEP_MS);
      await verify(mfaToken, codeAt(secret)).expect(200);
      expect(await countedFailures(user.email)).toEqual(NO_FAILURES);
    });

    it('when the request is malformed, then 400 VALIDATION_FAILED', async () => {
      expect((await request(ctx.app).post('/api/v1/auth/mfa/verify').send({ mfaToken: 'x' })).status).toBe(400);
      expect(
        (
          await request(ctx.app)
            .post('/api/v1/auth/mfa/verify')
            .send({ mfaToken: { $gt: '' }, code: '123456' })
        ).status,
      ).toBe(400);
    });
  });

  describe('30 parallel verifications of one code', () => {
    const server = useListeningServer(ctx);

    it('when 30 requests race with one mfaToken and one code, then exactly one session is created', async () => {
      const user = await buildUser(ctx.container);
      const { secret } = await enrol(user);
      const mfaToken = await passwordStep(user);
      clock.advance(STEP_MS);
      const code = codeAt(secret);
      const sessionsBefore = await SessionModel.countDocuments({ userId: user.id });

      const responses = await Promise.all(
        Array.from({ length: 30 }, () => request(server.url).post('/api/v1/auth/mfa/verify').send({ mfaToken, code })),
      );

      expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
      expect(responses.every((response) => [200, 400, 401].includes(response.status))).toBe(true);
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(sessionsBefore + 1);
      expect((await MfaChallengeModel.findOne({ userId: user.id, usedAt: { $ne: null } }).lean())?.attempts).toBeLessThanOrEqual(5);
    });

    it('when 30 requests race with 30 mfaTokens and one code, then exactly one session is created', async () => {
      const user = await buildUser(ctx.container);
      const { secret } = await enrol(user);
      const tokens: string[] = [];
      for (let login = 0; login < 30; login += 1) tokens.push(await passwordStep(user));
      clock.advance(STEP_MS);
      const code = codeAt(secret);
      const sessionsBefore = await SessionModel.countDocuments({ userId: user.id });

      const responses = await Promise.all(
        tokens.map((mfaToken) => request(server.url).post('/api/v1/auth/mfa/verify').send({ mfaToken, code })),
      );

      expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(sessionsBefore + 1);
    });
  });

  describe('enrolment, disabling and recovery codes', () => {
    it('when enrolment starts with a wrong password, then 403 INVALID_CREDENTIALS and nothing is stored', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      const response = await request(ctx.app)
        .post('/api/v1/me/mfa/totp')
        .set(bearer(signedIn.accessToken))
        .send({ password: 'wrong password!' });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('INVALID_CREDENTIALS');
      expect((await UserModel.findById(user.id).select('+mfaSecret').lean())?.mfaSecret).toBeNull();
    });

    it('when confirming without an enrolment, or enrolling twice, then 409 MFA_NOT_ENABLED / MFA_ALREADY_ENABLED', async () => {
      const user = await buildUser(ctx.container);
      const fresh = await loginAs(ctx.app, user);
      const confirm = await request(ctx.app).post('/api/v1/me/mfa/totp/confirm').set(bearer(fresh.accessToken)).send({ code: '123456' });
      expect(confirm.status).toBe(409);
      expect(confirm.body.code).toBe('MFA_NOT_ENABLED');
      const disable = await request(ctx.app)
        .delete('/api/v1/me/mfa/totp')
        .set(bearer(fresh.accessToken))
        .send({ password: user.password, code: '123456' });
      expect(disable.body.code).toBe('MFA_NOT_ENABLED');
      const { signedIn } = await enrol(user);
      const again = await request(ctx.app).post('/api/v1/me/mfa/totp').set(bearer(signedIn.accessToken)).send({ password: user.password });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('MFA_ALREADY_ENABLED');
    });

    it('when confirming with a wrong code, then 400 MFA_CODE_INVALID and MFA stays off', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      await request(ctx.app).post('/api/v1/me/mfa/totp').set(bearer(signedIn.accessToken)).send({ password: user.password }).expect(200);
      const response = await request(ctx.app)
        .post('/api/v1/me/mfa/totp/confirm')
        .set(bearer(signedIn.accessToken))
        .send({ code: '000000' });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('MFA_CODE_INVALID');
      expect((await UserModel.findById(user.id).lean())?.mfaEnabled).toBe(false);
    });

    it('when disabling with the right password and a wrong code, then 400 MFA_CODE_INVALID, audited, and MFA stays on', async () => {
      const user = await buildUser(ctx.container);
      const { signedIn } = await enrol(user);
      const response = await request(ctx.app)
        .delete('/api/v1/me/mfa/totp')
        .set(bearer(signedIn.accessToken))
        .send({ password: user.password, code: '000000' });
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('MFA_CODE_INVALID');
      expect((await UserModel.findById(user.id).lean())?.mfaEnabled).toBe(true);
      await eventually(() => AuditEventModel.findOne({ type: 'auth.reauth_failed', targetId: user.id, 'details.wrong': 'code' }));
    });

    it('when recovery codes are regenerated, then the old ones stop working and the new ones work', async () => {
      const user = await buildUser(ctx.container);
      const { signedIn, recoveryCodes } = await enrol(user);
      const response = await request(ctx.app)
        .post('/api/v1/me/mfa/recovery-codes')
        .set(bearer(signedIn.accessToken))
        .send({ password: user.password, code: recoveryCodes[0] });
      expect(response.status).toBe(200);
      const fresh = response.body.data.recoveryCodes as string[];
      expect(fresh).toHaveLength(10);
      expect((await verify(await passwordStep(user), recoveryCodes[1]!)).body.code).toBe('MFA_CODE_INVALID');
      expect((await verify(await passwordStep(user), fresh[0]!)).status).toBe(200);
    });

    it('when deleting the account with MFA on, then the code is required too', async () => {
      const user = await buildUser(ctx.container);
      const { signedIn, recoveryCodes } = await enrol(user);
      const withoutCode = await request(ctx.app).delete('/api/v1/me').set(bearer(signedIn.accessToken)).send({ password: user.password });
      expect(withoutCode.status).toBe(400);
      expect(withoutCode.body.code).toBe('MFA_CODE_INVALID');
      const viaUsers = await request(ctx.app)
        .delete(`/api/v1/users/${user.id}`)
        .set(bearer(signedIn.accessToken))
        .send({ password: user.password });
      expect(viaUsers.body.code).toBe('MFA_CODE_INVALID');
      expect(await UserModel.exists({ _id: user.id })).not.toBeNull();
      await request(ctx.app)
        .delete(`/api/v1/users/${user.id}`)
        .set(bearer(signedIn.accessToken))
        .send({ password: user.password, code: recoveryCodes[0] })
        .expect(204);
      expect(await UserModel.exists({ _id: user.id })).toBeNull();
    });

    it('when the password is changed, then MFA stays on and the next login still asks for the code', async () => {
      const user = await buildUser(ctx.container);
      const { signedIn } = await enrol(user);
      await request(ctx.app)
        .post('/api/v1/me/password')
        .set(bearer(signedIn.accessToken))
        .send({ currentPassword: user.password, newPassword: 'a completely new password' })
        .expect(204);
      await passwordStep({ ...user, password: 'a completely new password' });
    });

    it('when unauthenticated, then every /me/mfa route answers 401', async () => {
      expect((await request(ctx.app).post('/api/v1/me/mfa/totp').send({ password: 'x' })).status).toBe(401);
      expect((await request(ctx.app).post('/api/v1/me/mfa/totp/confirm').send({ code: '123456' })).status).toBe(401);
      expect((await request(ctx.app).delete('/api/v1/me/mfa/totp').send({ password: 'x', code: '123456' })).status).toBe(401);
      expect((await request(ctx.app).post('/api/v1/me/mfa/recovery-codes').send({ password: 'x', code: '123456' })).status).toBe(401);
    });
  });

  describe('MFA_REQUIRED_ROLES (default: admin)', () => {
    it('when an admin has no second factor in this session, then admin routes answer 403 MFA_ENROLLMENT_REQUIRED; /me stays open; after enrolment they work', async () => {
      const admin = await buildUser(ctx.container, { role: 'admin' });
      const signedIn = await loginAs(ctx.app, admin, 'jest', { mfa: false });
      const denied = await request(ctx.app).get('/api/v1/users').set(bearer(signedIn.accessToken));
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('MFA_ENROLLMENT_REQUIRED');
      expect((await request(ctx.app).get('/api/v1/audit-events').set(bearer(signedIn.accessToken))).body.code).toBe(
        'MFA_ENROLLMENT_REQUIRED',
      );
      const other = await buildUser(ctx.container);
      expect((await request(ctx.app).get(`/api/v1/users/${other.id}`).set(bearer(signedIn.accessToken))).body.code).toBe(
        'MFA_ENROLLMENT_REQUIRED',
      );
      await request(ctx.app).get('/api/v1/me').set(bearer(signedIn.accessToken)).expect(200);
      await request(ctx.app).get('/api/v1/me/sessions').set(bearer(signedIn.accessToken)).expect(200);
      await request(ctx.app).get(`/api/v1/users/${admin.id}`).set(bearer(signedIn.accessToken)).expect(200);

      const started = await request(ctx.app)
        .post('/api/v1/me/mfa/totp')
        .set(bearer(signedIn.accessToken))
        .send({ password: admin.password });
      await request(ctx.app)
        .post('/api/v1/me/mfa/totp/confirm')
        .set(bearer(signedIn.accessToken))
        .send({ code: codeAt(started.body.data.secret) })
        .expect(200);
      await request(ctx.app).get('/api/v1/users').set(bearer(signedIn.accessToken)).expect(200);
    });

    it('when a moderator (not in the list) has no second factor, then moderator routes work', async () => {
      const moderator = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'moderator' }));
      await request(ctx.app).get('/api/v1/users').set(bearer(moderator.accessToken)).expect(200);
    });
  });
});

describe('admin: DELETE /api/v1/users/:id/mfa and /lockout', () => {
  // The real clock: the factories enrol admins with codes of the current time.
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function enrol(user: TestUser): Promise<{ signedIn: SignedIn }> {
    const signedIn = await loginAs(ctx.app, user);
    await enrolMfa(ctx.app, signedIn);
    return { signedIn };
  }
  it("when an admin resets a user's MFA, then it is off, the user's sessions end, it is audited, and a second reset is 409", async () => {
    const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    const user = await buildUser(ctx.container);
    const { signedIn } = await enrol(user);
    await request(ctx.app).delete(`/api/v1/users/${user.id}/mfa`).set(bearer(admin.accessToken)).expect(204);
    expect(await UserModel.findById(user.id).select('+mfaSecret').lean()).toMatchObject({ mfaEnabled: false, mfaSecret: null });
    expect((await request(ctx.app).get('/api/v1/me').set(bearer(signedIn.accessToken))).status).toBe(401);
    expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
    await eventually(() => AuditEventModel.findOne({ type: 'user.mfa_reset', targetId: user.id, actorId: admin.id }));
    // The notice goes through the mail outbox (no request waits for SMTP).
    expect(await OutboxMessageModel.findOne({ template: 'mfa_reset_notice', to: user.email }).lean()).not.toBeNull();
    await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    const again = await request(ctx.app).delete(`/api/v1/users/${user.id}/mfa`).set(bearer(admin.accessToken));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('MFA_NOT_ENABLED');
  });

  it('when a locked account is unlocked by an admin, then its owner signs in again, and it is audited', async () => {
    const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    const user = await buildUser(ctx.container);
    for (let attempt = 0; attempt < MAX_FAILURES; attempt += 1) {
      await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: 'wrong password!' });
    }
    expect((await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password })).status).toBe(429);
    await request(ctx.app).delete(`/api/v1/users/${user.id}/lockout`).set(bearer(admin.accessToken)).expect(204);
    expect(await countedFailures(user.email)).toEqual(NO_FAILURES);
    await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200);
    await eventually(() => AuditEventModel.findOne({ type: 'user.unlocked', targetId: user.id }));
  });

  it('when a non-admin or an admin without a second factor calls them, then 403; unknown user 404', async () => {
    const user = await loginAs(ctx.app, await buildUser(ctx.container));
    const moderator = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'moderator' }));
    const bareAdmin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }), 'jest', { mfa: false });
    const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    for (const path of [`/api/v1/users/${user.id}/mfa`, `/api/v1/users/${user.id}/lockout`]) {
      expect((await request(ctx.app).delete(path)).status).toBe(401);
      expect((await request(ctx.app).delete(path).set(bearer(user.accessToken))).body.code).toBe('FORBIDDEN');
      expect((await request(ctx.app).delete(path).set(bearer(moderator.accessToken))).body.code).toBe('FORBIDDEN');
      expect((await request(ctx.app).delete(path).set(bearer(bareAdmin.accessToken))).body.code).toBe('MFA_ENROLLMENT_REQUIRED');
    }
    expect((await request(ctx.app).delete('/api/v1/users/0123456789abcdef01234567/mfa').set(bearer(admin.accessToken))).status).toBe(404);
  });
});
