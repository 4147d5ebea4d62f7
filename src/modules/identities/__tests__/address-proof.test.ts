import type { OAuth2Server } from 'oauth2-mock-server';
import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { LockModel } from '../../users/lock.model';
import { UserModel } from '../../users/user.model';
import { ExchangeCodeModel } from '../exchange-code.model';
import { IdentityLinkModel } from '../identity-link.model';
import { eventually, uniqueEmail } from '../../../../tests/support/factories';
import { interleaveBefore } from '../../../../tests/support/interleave';
import { MAIL_TEST_ENV } from '../../../../tests/support/mail-app';
import { linkTokenOf, startMailbox, type TestMailbox } from '../../../../tests/support/mailbox';
import {
  exchangeCode,
  locationOf,
  nextIdentity,
  providerEnv,
  signInAtProvider,
  startTestProvider,
  TestBrowser,
  useOidcTestApp,
  visitProvider,
  type OidcTestContext,
} from '../../../../tests/support/oidc';

const NEW_PASSWORD = 'the mailbox owner chose this one';

/** Signs in at `provider` as `claims` from a fresh browser; the one-time code (or error) the callback gave it. */
async function signInAs(ctx: OidcTestContext, idp: OAuth2Server, provider: string, claims: Record<string, unknown>) {
  const browser = new TestBrowser();
  nextIdentity(idp, claims);
  const { completion } = await signInAtProvider(ctx, browser, provider);
  return { browser, code: completion.searchParams.get('code'), error: completion.searchParams.get('error') };
}

describe('identity links when the mailbox owner proves the address', () => {
  let idp: OAuth2Server;
  let mailbox: TestMailbox;
  beforeAll(async () => {
    idp = await startTestProvider();
    mailbox = await startMailbox();
  });
  const ctx = useOidcTestApp(() => ({
    ...MAIL_TEST_ENV,
    SMTP_URL: mailbox.url,
    OIDC_PROVIDERS: 'trusted,plain,other',
    ...providerEnv('trusted', idp.issuer.url!, { TRUST_EMAIL: 'true' }),
    ...providerEnv('plain', idp.issuer.url!),
    ...providerEnv('other', idp.issuer.url!),
  }));
  beforeAll(() => ctx.container.jobs.outbox.start());
  afterAll(async () => {
    await ctx.container.jobs.outbox.stop(0);
    await mailbox.stop();
    await idp.stop();
  });

  async function resetToken(email: string): Promise<string> {
    await request(ctx.url).post('/api/v1/auth/password/forgot').send({ email }).expect(202);
    return linkTokenOf(await mailbox.waitFor(email, /Reset your password/), 'reset-password');
  }

  const resetPassword = (token: string) => request(ctx.url).post('/api/v1/auth/password/reset').send({ token, newPassword: NEW_PASSWORD });

  /** An account an attacker made through a provider that lets anyone claim any address, and the attacker's signed-in session. */
  async function attackerAccount(victim: string, subject: string) {
    const claims = { sub: subject, email: victim, email_verified: false };
    const attacker = await signInAs(ctx, idp, 'plain', claims);
    const signedIn = await exchangeCode(ctx, attacker.browser, attacker.code!);
    expect(signedIn.status).toBe(200);
    const account = await UserModel.findOne({ email: victim }).lean();
    expect(account).toMatchObject({ emailVerified: false });
    return { account: account!, claims, accessToken: ((await signedIn.json()) as { data: { accessToken: string } }).data.accessToken };
  }

  it("when the victim resets the password of an account an untrusted provider's identity made, then that link is gone, its session ended and its sign-in refused", async () => {
    const victim = uniqueEmail('victim');
    const { account, claims, accessToken } = await attackerAccount(victim, 'attacker-1');

    const reset = await resetPassword(await resetToken(victim));

    expect(reset.status).toBe(204);
    expect(await IdentityLinkModel.countDocuments({ userId: account._id })).toBe(0);
    expect(await SessionModel.countDocuments({ userId: account._id, revokedAt: null })).toBe(0);
    await request(ctx.url).get('/api/v1/me').set('authorization', `Bearer ${accessToken}`).expect(401);
    const again = await signInAs(ctx, idp, 'plain', claims);
    expect(again.error).toBe('ACCOUNT_EXISTS');
    expect(await IdentityLinkModel.countDocuments({ _id: 'plain:attacker-1' })).toBe(0);
    expect(await UserModel.countDocuments({ email: victim })).toBe(1);
    await request(ctx.url).post('/api/v1/auth/login').send({ email: victim, password: NEW_PASSWORD }).expect(200);
    // The audit trail is written off the request path.
    const audited = await eventually(async () => {
      const events = await AuditEventModel.find({ type: 'user.identity_unlinked', targetId: account._id }).lean();
      return events.length > 0 && events;
    });
    expect(audited.map((event) => event.details)).toEqual([{ provider: 'plain', reason: 'password_reset' }]);
  });

  it("when the victim confirms the address from a verification mail the attacker's account asked for, then the untrusted link is gone and sessions end", async () => {
    const victim = uniqueEmail('verify');
    const { account, claims, accessToken } = await attackerAccount(victim, 'attacker-verify');
    await request(ctx.url).post('/api/v1/me/email/verification').set('authorization', `Bearer ${accessToken}`).send({}).expect(202);
    const token = linkTokenOf(await mailbox.waitFor(victim, /Confirm your e-mail address/), 'verify-email');

    const verified = await request(ctx.url).post('/api/v1/auth/email/verify').send({ token });

    expect(verified.status).toBe(200);
    expect(await UserModel.countDocuments({ _id: account._id, emailVerified: true })).toBe(1);
    expect(await IdentityLinkModel.countDocuments({ userId: account._id })).toBe(0);
    await request(ctx.url).get('/api/v1/me').set('authorization', `Bearer ${accessToken}`).expect(401);
    expect((await signInAs(ctx, idp, 'plain', claims)).error).toBe('ACCOUNT_EXISTS');
    // The audit trail is written off the request path.
    const audited = await eventually(async () => {
      const events = await AuditEventModel.find({ type: 'user.identity_unlinked', targetId: account._id }).lean();
      return events.length > 0 && events;
    });
    expect(audited.map((event) => event.details)).toEqual([{ provider: 'plain', reason: 'email_verified' }]);
  });

  it('when the account holder resets, then a link the trusted provider made for this verified address stays and still signs in', async () => {
    const email = uniqueEmail('trusted');
    const claims = { sub: 'trusted-1', email, email_verified: true };
    const first = await signInAs(ctx, idp, 'trusted', claims);
    expect((await exchangeCode(ctx, first.browser, first.code!)).status).toBe(200);

    expect((await resetPassword(await resetToken(email))).status).toBe(204);

    expect(await IdentityLinkModel.countDocuments({ _id: 'trusted:trusted-1' })).toBe(1);
    const again = await signInAs(ctx, idp, 'trusted', claims);
    expect((await exchangeCode(ctx, again.browser, again.code!)).status).toBe(200);
  });

  it('when the address was verified by the trusted provider but its identity now reports another address, then proving the account address removes it', async () => {
    const email = uniqueEmail('moved');
    const first = await signInAs(ctx, idp, 'trusted', { sub: 'moved-1', email, email_verified: true });
    expect((await exchangeCode(ctx, first.browser, first.code!)).status).toBe(200);
    // The known identity signs in again, now saying it is someone else's address.
    const moved = await signInAs(ctx, idp, 'trusted', { sub: 'moved-1', email: uniqueEmail('elsewhere'), email_verified: true });
    expect((await exchangeCode(ctx, moved.browser, moved.code!)).status).toBe(200);

    expect((await resetPassword(await resetToken(email))).status).toBe(204);

    expect(await IdentityLinkModel.countDocuments({ _id: 'trusted:moved-1' })).toBe(0);
  });

  it('when the account switches to a confirmed new address, then a link that vouched only for the old address goes', async () => {
    const email = uniqueEmail('changing');
    const first = await signInAs(ctx, idp, 'trusted', { sub: 'changing-1', email, email_verified: true });
    expect((await exchangeCode(ctx, first.browser, first.code!)).status).toBe(200);
    expect((await resetPassword(await resetToken(email))).status).toBe(204);
    const login = await request(ctx.url).post('/api/v1/auth/login').send({ email, password: NEW_PASSWORD }).expect(200);
    expect(await IdentityLinkModel.countDocuments({ _id: 'trusted:changing-1' })).toBe(1);
    const newEmail = uniqueEmail('changed');

    await request(ctx.url)
      .post('/api/v1/me/email')
      .set('authorization', `Bearer ${login.body.data.accessToken}`)
      .send({ newEmail, password: NEW_PASSWORD })
      .expect(202);
    const token = linkTokenOf(await mailbox.waitFor(newEmail, /Confirm your new e-mail address/), 'verify-email');
    expect((await request(ctx.url).post('/api/v1/auth/email/verify').send({ token })).status).toBe(200);

    expect(await IdentityLinkModel.countDocuments({ _id: 'trusted:changing-1' })).toBe(0);
    const account = await UserModel.findOne({ email: newEmail }).lean();
    const audited = await eventually(() => AuditEventModel.findOne({ type: 'user.identity_unlinked', targetId: account!._id }).lean());
    expect(audited.details).toEqual({ provider: 'trusted', reason: 'email_changed' });
  });

  describe('a reset racing a sign-in through the link it removes', () => {
    it('when the reset completes between the callback and the code exchange, then the exchange is refused and no session is made', async () => {
      const victim = uniqueEmail('race-a');
      const { account, claims } = await attackerAccount(victim, 'race-a');
      const token = await resetToken(victim);
      const attacker = await signInAs(ctx, idp, 'plain', claims);
      expect(attacker.code).toEqual(expect.any(String));

      // The reset runs in full right before the exchange spends its code.
      let reset: request.Response | undefined;
      const interleaving = interleaveBefore(ExchangeCodeModel, async (step) => {
        if (step === 0) reset = await resetPassword(token);
      });
      let exchanged: Response;
      try {
        exchanged = await exchangeCode(ctx, attacker.browser, attacker.code!);
      } finally {
        interleaving.restore();
      }

      expect(reset?.status).toBe(204);
      expect(exchanged.status).toBe(400);
      expect(((await exchanged.json()) as { code: string }).code).toBe('OAUTH_CODE_INVALID');
      expect(await IdentityLinkModel.countDocuments({ userId: account._id })).toBe(0);
      expect(await SessionModel.countDocuments({ userId: account._id, revokedAt: null })).toBe(0);
    });

    it('when the exchange completes while the reset is removing links, then the session it made ends with them', async () => {
      const victim = uniqueEmail('race-b');
      const { account, claims } = await attackerAccount(victim, 'race-b');
      const token = await resetToken(victim);
      const attacker = await signInAs(ctx, idp, 'plain', claims);

      // The exchange runs in full right before the reset takes the account's lock to remove the links.
      let exchanged: Response | undefined;
      const interleaving = interleaveBefore(LockModel, async (step) => {
        if (step === 0) exchanged = await exchangeCode(ctx, attacker.browser, attacker.code!);
      });
      try {
        expect((await resetPassword(token)).status).toBe(204);
      } finally {
        interleaving.restore();
      }

      expect(exchanged?.status).toBe(200);
      const { accessToken } = ((await exchanged!.json()) as { data: { accessToken: string } }).data;
      await request(ctx.url).get('/api/v1/me').set('authorization', `Bearer ${accessToken}`).expect(401);
      expect(await IdentityLinkModel.countDocuments({ userId: account._id })).toBe(0);
      expect(await SessionModel.countDocuments({ userId: account._id, revokedAt: null })).toBe(0);
    });

    it('when 20 exchanges through the identity race the reset, then none leaves a session and the link is gone', async () => {
      const victim = uniqueEmail('race-many');
      const { account, claims } = await attackerAccount(victim, 'race-many');
      const token = await resetToken(victim);
      const attackers = [];
      for (let index = 0; index < 20; index++) attackers.push(await signInAs(ctx, idp, 'plain', claims));

      const [reset, ...exchanges] = await Promise.all([
        resetPassword(token),
        ...attackers.map((attacker) => exchangeCode(ctx, attacker.browser, attacker.code!)),
      ]);

      expect(reset.status).toBe(204);
      // Before the reset's lock: a session it then ends (200); after it: refused (400); a lock wait past its bound: 503 BUSY.
      expect(exchanges.filter((response) => ![200, 400, 503].includes(response.status))).toEqual([]);
      expect(await IdentityLinkModel.countDocuments({ userId: account._id })).toBe(0);
      expect(await SessionModel.countDocuments({ userId: account._id, revokedAt: null })).toBe(0);
    });

    it('when a link started from settings comes back from the provider while the reset runs, then it does not finish', async () => {
      const victim = uniqueEmail('race-c');
      const { account, accessToken } = await attackerAccount(victim, 'race-c');
      const token = await resetToken(victim);
      // The attacker, signed in a moment ago (no password), starts linking a second provider and passes it.
      const browser = new TestBrowser();
      const started = await browser.fetch(`${ctx.url}/api/v1/me/identities/other`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({}),
      });
      expect(started.status).toBe(200);
      nextIdentity(idp, { sub: 'race-c-other', email: 'attacker@example.test', email_verified: true });
      const callbackUrl = await visitProvider(new URL(((await started.json()) as { data: { url: string } }).data.url));

      // The callback has spent its attempt; the reset runs in full before it takes the account's lock to link.
      let reset: request.Response | undefined;
      const interleaving = interleaveBefore(LockModel, async (step) => {
        if (step === 0) reset = await resetPassword(token);
      });
      let completion: URL;
      try {
        completion = locationOf(await browser.fetch(callbackUrl.href));
      } finally {
        interleaving.restore();
      }

      expect(reset?.status).toBe(204);
      expect(completion.searchParams.get('error')).toBe('OAUTH_STATE_INVALID');
      expect(await IdentityLinkModel.countDocuments({ userId: account._id })).toBe(0);
    });
  });
});
