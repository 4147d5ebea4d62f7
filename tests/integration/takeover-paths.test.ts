import mongoose from 'mongoose';
import request from 'supertest';
import { AccountTokenModel } from '../../src/modules/account-recovery/account-token.model';
import { AuditEventModel } from '../../src/modules/audit/audit-event.model';
import { LoginAttemptModel } from '../../src/modules/auth/login-attempt.model';
import { MailGateModel } from '../../src/modules/account-recovery/mail-gate.model';
import { MfaChallengeModel } from '../../src/modules/mfa/mfa-challenge.model';
import { OutboxMessageModel } from '../../src/modules/mail/outbox-message.model';
import { UserModel } from '../../src/modules/users/user.model';
import { buildUser, enrolMfa, eventually, loginAs, refreshCookieOf, totpCode, uniqueEmail, type SignedIn } from '../support/factories';
import { captureLogs } from '../support/log-capture';
import { TEST_APP_URL, useMailTestApp } from '../support/mail-app';
import { linkTokenOf } from '../support/mailbox';

const PHISHING_NAME = 'Security team: your account is at risk, sign in at https://evil.example.test now';

/**
 * The attacks of issue 22: someone who had the password and a session for a while tries to keep or
 * take the account after the owner fights back. Each case failed on the code before the fix.
 */
describe('takeover paths closed', () => {
  const logs = captureLogs();
  const ctx = useMailTestApp();

  const bearer = (signedIn: SignedIn) => ({ Authorization: `Bearer ${signedIn.accessToken}` });
  const changeEmail = (signedIn: SignedIn, newEmail: string, extra: Record<string, unknown> = {}) =>
    request(ctx.app)
      .post('/api/v1/me/email')
      .set(bearer(signedIn))
      .send({ newEmail, password: signedIn.password, ...extra });
  const verify = (token: string) => request(ctx.app).post('/api/v1/auth/email/verify').send({ token });
  const revert = (token: string) => request(ctx.app).post('/api/v1/auth/email/revert').send({ token });

  /** Starts an address change and returns the links both mails carry. */
  async function startChange(signedIn: SignedIn, newEmail: string, currentEmail = signedIn.email) {
    await changeEmail(signedIn, newEmail).expect(202);
    const verifyMail = await ctx.mailbox.waitFor(newEmail, /Confirm your new e-mail address/);
    const notice = await ctx.mailbox.waitFor(currentEmail, /being changed/);
    return { verifyToken: linkTokenOf(verifyMail, 'verify-email'), revertToken: linkTokenOf(notice, 'revert-email') };
  }

  /** Sends whatever the outbox holds and waits until nothing is pending any more. */
  async function drainOutbox(): Promise<void> {
    await ctx.container.jobs.outbox.runOnce();
    await eventually(async () => (await OutboxMessageModel.countDocuments({ status: { $in: ['pending', 'sending'] } })) === 0);
  }

  describe('1. revert links nothing later can void', () => {
    it("when the attacker moves A -> B -> C and reverts to B, then the owner's revert link to A still restores A", async () => {
      const user = await buildUser(ctx.container);
      const attacker = await loginAs(ctx.app, user, 'attacker');
      const addressB = uniqueEmail('b');
      const addressC = uniqueEmail('c');
      const toB = await startChange(attacker, addressB);
      await verify(toB.verifyToken).expect(200);
      const attackerAgain = await loginAs(ctx.app, { ...user, email: addressB }, 'attacker');
      const toC = await startChange(attackerAgain, addressC, addressB);
      await revert(toC.revertToken).expect(204);
      expect((await UserModel.findById(user.id).lean())?.email).toBe(addressB);

      const ownerRevert = await revert(toB.revertToken);

      expect(ownerRevert.status).toBe(204);
      const after = await UserModel.findById(user.id).lean();
      expect(after).toMatchObject({ email: user.email, emailVerified: true });
      // The pending change to C is void: the attacker cannot finish it after the owner's revert.
      expect((await verify(toC.verifyToken)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
      expect((await UserModel.findById(user.id).lean())?.email).toBe(user.email);
    });

    it('when a revert link is used, then revert links sent after it are void and older ones still work', async () => {
      const user = await buildUser(ctx.container);
      const attacker = await loginAs(ctx.app, user, 'attacker');
      const addressB = uniqueEmail('b');
      const toB = await startChange(attacker, addressB);
      await verify(toB.verifyToken).expect(200);
      const onB = await loginAs(ctx.app, { ...user, email: addressB }, 'attacker');
      const toC = await startChange(onB, uniqueEmail('c'), addressB);

      await revert(toB.revertToken).expect(204);

      expect((await revert(toC.revertToken)).body.code).toBe('VERIFICATION_TOKEN_INVALID');
      expect((await UserModel.findById(user.id).lean())?.email).toBe(user.email);
      expect(await AccountTokenModel.countDocuments({ userId: user.id, purpose: 'email_revert', usedAt: null, voidedAt: null })).toBe(0);
    });
  });

  describe('2. every credential remedy voids pending address changes', () => {
    const remedies: [string, (owner: SignedIn) => Promise<void>][] = [
      [
        'the owner resets the password',
        async (owner) => {
          await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: owner.email }).expect(202);
          const token = linkTokenOf(await ctx.mailbox.waitFor(owner.email, /Reset your password/), 'reset-password');
          await request(ctx.app).post('/api/v1/auth/password/reset').send({ token, newPassword: 'a brand new password 1' }).expect(204);
        },
      ],
      [
        'the owner changes the password',
        async (owner) => {
          await request(ctx.app)
            .post('/api/v1/me/password')
            .set(bearer(owner))
            .send({ currentPassword: owner.password, newPassword: 'a brand new password 2' })
            .expect(204);
        },
      ],
      [
        'the owner signs out everywhere',
        async (owner) => {
          await request(ctx.app).post('/api/v1/auth/logout-all').set(bearer(owner)).expect(204);
        },
      ],
      [
        'an admin disables the account',
        async (owner) => {
          const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
          await request(ctx.app).patch(`/api/v1/users/${owner.id}/status`).set(bearer(admin)).send({ status: 'disabled' }).expect(200);
        },
      ],
      [
        "an admin resets the account's MFA",
        async (owner) => {
          await enrolMfa(ctx.app, owner);
          const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
          await request(ctx.app).delete(`/api/v1/users/${owner.id}/mfa`).set(bearer(admin)).expect(204);
        },
      ],
    ];

    it.each(remedies)("when %s, then the attacker's pending verify link answers 400 and the address stays", async (_name, remedy) => {
      const user = await buildUser(ctx.container);
      const owner = await loginAs(ctx.app, user, 'owner');
      const attacker = await loginAs(ctx.app, user, 'attacker');
      const { verifyToken } = await startChange(attacker, uniqueEmail('attacker'));

      await remedy(owner);
      const response = await verify(verifyToken);

      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VERIFICATION_TOKEN_INVALID');
      expect((await UserModel.findById(user.id).lean())?.email).toBe(user.email);
      expect(await AccountTokenModel.countDocuments({ userId: user.id, purpose: 'email_change', voidedAt: { $ne: null } })).toBe(1);
    });

    it('when the owner signs out everywhere, then the audit event counts the address changes it voided', async () => {
      const user = await buildUser(ctx.container);
      const owner = await loginAs(ctx.app, user, 'owner');
      await startChange(owner, uniqueEmail('attacker'));

      await request(ctx.app).post('/api/v1/auth/logout-all').set(bearer(owner)).expect(204);

      const event = await eventually(() => AuditEventModel.findOne({ type: 'auth.logout_all', targetId: user.id }).lean());
      expect(event.details).toMatchObject({ voidedEmailChanges: 1 });
    });
  });

  describe('3. address-change mails obey the resend gate and carry no chosen text to unproven addresses', () => {
    it('when 10 changes to one third-party address arrive at once, then it gets one mail, without the account name', async () => {
      const user = await buildUser(ctx.container, { name: PHISHING_NAME });
      const attacker = await loginAs(ctx.app, user, 'attacker');
      const victimAddress = uniqueEmail('third-party');

      const responses = await Promise.all(Array.from({ length: 10 }, () => changeEmail(attacker, victimAddress)));
      await drainOutbox();

      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(202));
      expect(await OutboxMessageModel.countDocuments({ to: victimAddress })).toBe(1);
      expect(await AccountTokenModel.countDocuments({ userId: user.id, purpose: 'email_change' })).toBe(1);
      const mails = ctx.mailbox.messagesTo(victimAddress);
      expect(mails).toHaveLength(1);
      expect(`${mails[0]!.subject} ${mails[0]!.text} ${mails[0]!.html}`).not.toMatch(/evil|Security team/);
      expect(ctx.mailbox.messagesTo(user.email)).toHaveLength(1);
    });

    it("when someone registers a stranger's address with a chosen name, then the verification mail does not carry it", async () => {
      const email = uniqueEmail('stranger');
      await request(ctx.app)
        .post('/api/v1/auth/register')
        .send({ email, password: 'a long enough password', name: PHISHING_NAME })
        .expect(201);

      const mail = await ctx.mailbox.waitFor(email, /Confirm your e-mail address/);

      expect(`${mail.subject} ${mail.text} ${mail.html}`).not.toMatch(/evil|Security team/);
    });

    it('when the address is proven, then mails to it still greet the account by name', async () => {
      const user = await buildUser(ctx.container, { name: 'Ada' });
      await UserModel.updateOne({ _id: user.id }, { $set: { emailVerified: true } });

      await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);

      expect((await ctx.mailbox.waitFor(user.email, /Reset your password/)).text).toContain('Hello Ada,');
    });
  });

  describe('4. undecodable path parameters', () => {
    const paths = ['/api/v1/users/%ZZ', '/api/v1/users/%E0%A4%A/sessions', '/api/v1/me/sessions/%ZZ', '/api/v1/users/%C0%AF/role'];

    it.each(['get', 'patch', 'delete'] as const)(
      'when %s reaches a route with %%ZZ before authentication, then 400 VALIDATION_FAILED, no error log',
      async (method) => {
        logs.length = 0;
        for (const path of paths) {
          const response = await request(ctx.app)[method](path);
          expect([path, response.status, response.body.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
          expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
        }
        expect(logs.filter((entry) => entry.level === 'error')).toEqual([]);
      },
    );
  });

  describe('5. device cookies are bound to the credential', () => {
    const login = (email: string, password: string, cookie?: string) => {
      const call = request(ctx.app).post('/api/v1/auth/login');
      if (cookie) call.set('Cookie', cookie);
      return call.send({ email, password });
    };

    it('when the password is reset, then a device cookie issued before counts as absent: a wrong guess counts on the account', async () => {
      const user = await buildUser(ctx.container);
      const harvested = refreshCookieOf(await login(user.email, user.password).expect(200), 'deviceToken');
      await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
      const token = linkTokenOf(await ctx.mailbox.waitFor(user.email, /Reset your password/), 'reset-password');
      await request(ctx.app).post('/api/v1/auth/password/reset').send({ token, newPassword: 'the owner new password' }).expect(204);

      await login(user.email, 'attacker guess', harvested).expect(401);

      expect(await LoginAttemptModel.findById(user.email).lean()).toMatchObject({ failures: 1 });
      expect(await LoginAttemptModel.countDocuments({ _id: { $regex: `^device:${user.id}:` } })).toBe(0);
    });

    it('when the password is changed, then older device cookies count as absent and the new login gets one that works', async () => {
      const user = await buildUser(ctx.container);
      const harvested = refreshCookieOf(await login(user.email, user.password).expect(200), 'deviceToken');
      const owner = await loginAs(ctx.app, user, 'owner');
      const newPassword = 'the owner changed it';
      await request(ctx.app)
        .post('/api/v1/me/password')
        .set(bearer(owner))
        .send({ currentPassword: user.password, newPassword })
        .expect(204);

      await login(user.email, 'attacker guess', harvested).expect(401);
      const fresh = refreshCookieOf(await login(user.email, newPassword).expect(200), 'deviceToken');
      await login(user.email, 'owner typo', fresh).expect(401);

      expect(await LoginAttemptModel.findById(user.email).lean()).toMatchObject({ failures: 0 });
      expect(await LoginAttemptModel.countDocuments({ _id: { $regex: `^device:${user.id}:` }, failures: 1 })).toBe(1);
    });
  });

  describe('7. mail bodies are encrypted while they wait', () => {
    it('when a reset mail is retrying, then its stored body holds no link and no token; it arrives intact later', async () => {
      const user = await buildUser(ctx.container);
      ctx.mailbox.refuseNext(2, 451);

      await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
      const waiting = await eventually(() => OutboxMessageModel.findOne({ to: user.email, kind: 'mail', attempts: { $gte: 1 } }).lean());
      const mail = await ctx.mailbox.waitFor(user.email, /Reset your password/);

      const token = linkTokenOf(mail, 'reset-password');
      const stored = JSON.stringify(waiting);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(TEST_APP_URL);
      expect(stored).not.toContain('Reset your password');
      expect(waiting.text).toMatch(/^v1\./);
    });
  });

  describe('8. an admin cannot reset their own MFA', () => {
    it('when an admin calls DELETE /users/<own id>/mfa, then 403 FORBIDDEN and MFA stays on', async () => {
      const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));

      const response = await request(ctx.app).delete(`/api/v1/users/${admin.id}/mfa`).set(bearer(admin));

      expect(response.status).toBe(403);
      expect(response.body.code).toBe('FORBIDDEN');
      expect((await UserModel.findById(admin.id).lean())?.mfaEnabled).toBe(true);
    });
  });

  describe('9. deleting an account removes every document that names it', () => {
    it('when an account is deleted, then its tokens, mail records, gates, challenges and throttling state are gone; the audit stays', async () => {
      const email = uniqueEmail('doomed');
      const registered = await request(ctx.app)
        .post('/api/v1/auth/register')
        .send({ email, password: 'a long enough password' })
        .expect(201);
      const userId = registered.body.data.user.id as string;
      await ctx.mailbox.waitFor(email, /Confirm your e-mail address/);
      await request(ctx.app).post('/api/v1/auth/login').send({ email, password: 'a wrong password' }).expect(401);
      const device = refreshCookieOf(
        await request(ctx.app).post('/api/v1/auth/login').send({ email, password: 'a long enough password' }).expect(200),
        'deviceToken',
      );
      await request(ctx.app).post('/api/v1/auth/login').set('Cookie', device).send({ email, password: 'a typo' }).expect(401);
      await request(ctx.app).post('/api/v1/auth/password/forgot').send({ email }).expect(202);
      await ctx.mailbox.waitFor(email, /Reset your password/);
      const signedIn = await loginAs(ctx.app, { id: userId, email, password: 'a long enough password', role: 'user' });
      const { secret } = await enrolMfa(ctx.app, signedIn);
      await request(ctx.app).post('/api/v1/auth/login').send({ email, password: 'a long enough password' }).expect(403);

      await request(ctx.app)
        .delete('/api/v1/me')
        .set(bearer(signedIn))
        .send({ password: signedIn.password, code: totpCode(secret, 1) })
        .expect(204);

      expect(await AccountTokenModel.countDocuments({ userId })).toBe(0);
      expect(await OutboxMessageModel.countDocuments({ to: email })).toBe(0);
      expect(await MailGateModel.countDocuments({ _id: { $regex: email.replace(/\./g, '\\.') } })).toBe(0);
      expect(await MfaChallengeModel.countDocuments({ userId })).toBe(0);
      expect(await LoginAttemptModel.countDocuments({ _id: { $in: [email] } })).toBe(0);
      expect(await LoginAttemptModel.countDocuments({ _id: { $regex: `^device:${userId}:` } })).toBe(0);
      expect(await AuditEventModel.countDocuments({ targetId: userId, type: 'user.deleted' })).toBe(1);
    });
  });

  describe('security notices for second factors', () => {
    it('when MFA is turned on, recovery codes are replaced and MFA is turned off, then each mails a notice with what, when and from where', async () => {
      const user = await buildUser(ctx.container);
      const signedIn = await loginAs(ctx.app, user);
      const { secret } = await enrolMfa(ctx.app, signedIn);
      const on = await ctx.mailbox.waitFor(user.email, /turned on/);
      const replaced = await request(ctx.app)
        .post('/api/v1/me/mfa/recovery-codes')
        .set(bearer(signedIn))
        .send({ password: user.password, code: totpCode(secret, 1) })
        .expect(200);
      const codes = await ctx.mailbox.waitFor(user.email, /recovery codes/i);
      await request(ctx.app)
        .delete('/api/v1/me/mfa/totp')
        .set(bearer(signedIn))
        .send({ password: user.password, code: replaced.body.data.recoveryCodes[0] })
        .expect(204);
      const off = await ctx.mailbox.waitFor(user.email, /turned off/);

      for (const notice of [on, codes, off]) {
        expect(notice.text).toMatch(/Time: \d{4}-\d{2}-\d{2}T/);
        expect(notice.text).toMatch(/IP address: /);
        expect((notice.text ?? '').match(/https?:\/\/\S+/g)).toBeNull();
      }
    });
  });

  // Last in this file: it stops the outbox sender, so the database sees only what the requests do.
  describe('6. the public verification resend keeps no state only registered addresses have', () => {
    /** The database operations one request makes that name `address`, with the address masked. */
    async function operationsOf(send: () => Promise<unknown>, address: string): Promise<string[]> {
      const seen: string[] = [];
      mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
        const text = JSON.stringify(args);
        if (text.includes(address)) seen.push(`${collection}.${method} ${text.split(address).join('<address>')}`);
      });
      try {
        await send();
      } finally {
        mongoose.set('debug', false);
      }
      return seen.map((line) => line.replace(/[0-9a-f]{24}/g, '<id>').replace(/"\d{4}-\d\d-\d\dT[^"]+"/g, '"<date>"'));
    }

    it('when one address has an account, its gate and a recent mail and another has none, then the resend does the same one insert for both', async () => {
      await ctx.container.jobs.outbox.stop(0);
      const registered = uniqueEmail('registered');
      const unknown = uniqueEmail('unknown');
      await request(ctx.app).post('/api/v1/auth/register').send({ email: registered, password: 'a long enough password' }).expect(201);
      expect(await MailGateModel.countDocuments({ _id: `email_verification:${registered}` })).toBe(1);
      const resend = (email: string) => () => request(ctx.app).post('/api/v1/auth/email/verification').send({ email }).expect(202);

      const forRegistered = await operationsOf(resend(registered), registered);
      const forUnknown = await operationsOf(resend(unknown), unknown);

      expect(forRegistered).toEqual(forUnknown);
      expect(forRegistered).toHaveLength(1);
      expect(forRegistered[0]).toMatch(/^outboxmessages\.insertOne /);
    });
  });
});
