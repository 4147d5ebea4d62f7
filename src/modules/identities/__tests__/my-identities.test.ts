import { Types } from 'mongoose';
import type { OAuth2Server } from 'oauth2-mock-server';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { ExchangeCodeModel } from '../exchange-code.model';
import { IdentityLinkModel } from '../identity-link.model';
import { SignInAttemptModel } from '../sign-in-attempt.model';
import { buildUser, eventually, loginAs, type SignedIn } from '../../../../tests/support/factories';
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

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** A new account made by signing in at `provider`; its browser and access token. */
async function providerAccount(ctx: OidcTestContext, idp: OAuth2Server, provider: string, sub: string, email: string) {
  const browser = new TestBrowser();
  nextIdentity(idp, { sub, email, email_verified: true });
  const { completion } = await signInAtProvider(ctx, browser, provider);
  const body = await (await exchangeCode(ctx, browser, completion.searchParams.get('code')!)).json();
  return { browser, accessToken: body.data.accessToken as string, userId: body.data.user.id as string };
}

/** POST /me/identities/:provider from `browser`, then the provider and the callback; where the callback sent it. */
async function linkFrom(ctx: OidcTestContext, idp: OAuth2Server, browser: TestBrowser, token: string, provider: string, claims: object) {
  const started = await browser.fetch(`${ctx.url}/api/v1/me/identities/${provider}`, {
    method: 'POST',
    headers: bearer(token),
    body: JSON.stringify({ password: 'correct horse battery staple' }),
  });
  expect(started.status).toBe(200);
  nextIdentity(idp, claims as Record<string, unknown>);
  const callbackUrl = await visitProvider(new URL((await started.json()).data.url));
  return locationOf(await browser.fetch(callbackUrl.href));
}

describe('/api/v1/me/identities', () => {
  let idp: OAuth2Server;
  let mailbox: TestMailbox;
  beforeAll(async () => {
    idp = await startTestProvider();
    mailbox = await startMailbox();
  });
  afterAll(async () => {
    await ctx.container?.jobs.outbox.stop(0);
    await mailbox.stop();
    await idp.stop();
  });
  const ctx = useOidcTestApp(() => ({
    ...MAIL_TEST_ENV,
    APP_URL: 'http://app.example.test',
    SMTP_URL: mailbox.url,
    OIDC_PROVIDERS: 'acme,other,vouching',
    ...providerEnv('acme', idp.issuer.url!),
    ...providerEnv('other', idp.issuer.url!, { NAME: 'Other' }),
    ...providerEnv('vouching', idp.issuer.url!, { NAME: 'Vouching', TRUST_EMAIL: 'true' }),
  }));
  beforeAll(() => ctx.container.jobs.outbox.start());

  describe('GET /api/v1/me/identities', () => {
    it('when signed in through a provider, then it lists the identity with its address and link time', async () => {
      const account = await providerAccount(ctx, idp, 'acme', 'list-1', 'list.one@example.test');
      const response = await fetch(`${ctx.url}/api/v1/me/identities`, { headers: bearer(account.accessToken) });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        data: [{ provider: 'acme', email: 'list.one@example.test', linkedAt: expect.stringMatching(/Z$/) }],
      });
    });

    it('when there is no bearer token, then 401', async () => {
      expect((await fetch(`${ctx.url}/api/v1/me/identities`)).status).toBe(401);
    });
  });

  describe('POST /api/v1/me/identities/:provider', () => {
    let user: SignedIn;
    beforeAll(async () => {
      user = await loginAs(ctx.app, await buildUser(ctx.container));
    });

    it('when the password is wrong, then 403 INVALID_CREDENTIALS and no attempt', async () => {
      const attempts = await SignInAttemptModel.countDocuments();
      const response = await fetch(`${ctx.url}/api/v1/me/identities/acme`, {
        method: 'POST',
        headers: bearer(user.accessToken),
        body: JSON.stringify({ password: 'not the password' }),
      });
      expect(response.status).toBe(403);
      expect((await response.json()).code).toBe('INVALID_CREDENTIALS');
      expect(await SignInAttemptModel.countDocuments()).toBe(attempts);
    });

    it('when the provider is not configured, then 404', async () => {
      const response = await fetch(`${ctx.url}/api/v1/me/identities/nobody`, {
        method: 'POST',
        headers: bearer(user.accessToken),
        body: JSON.stringify({ password: user.password }),
      });
      expect(response.status).toBe(404);
    });

    it('when the browser completes at the provider, then the identity is linked to this account, audited and the owner is mailed', async () => {
      const browser = new TestBrowser();
      const completion = await linkFrom(ctx, idp, browser, user.accessToken, 'acme', { sub: 'link-me', email: 'elsewhere@example.test' });
      expect(completion.searchParams.get('linked')).toBe('acme');
      expect(completion.searchParams.get('code')).toBeNull();
      expect((await IdentityLinkModel.findById('acme:link-me').lean())!.userId.toString()).toBe(user.id);
      await eventually(() => AuditEventModel.exists({ type: 'user.identity_linked', targetId: user.id }));
      const notice = await mailbox.waitFor(user.email, /sign-in provider was linked/);
      expect(notice.text).toContain('Provider: acme');
    });

    it('when the identity is linked to another account, then IDENTITY_TAKEN and it stays where it was', async () => {
      const owner = await providerAccount(ctx, idp, 'other', 'taken-1', 'taken.owner@example.test');
      const completion = await linkFrom(ctx, idp, new TestBrowser(), user.accessToken, 'other', { sub: 'taken-1' });
      expect(completion.searchParams.get('error')).toBe('IDENTITY_TAKEN');
      expect((await IdentityLinkModel.findById('other:taken-1').lean())!.userId.toString()).toBe(owner.userId);
    });

    it('when an account without password signed in minutes ago, then no password is needed; after 5 minutes it is refused', async () => {
      const account = await providerAccount(ctx, idp, 'acme', 'recent-1', 'recent.one@example.test');
      const completion = await linkFrom(ctx, idp, account.browser, account.accessToken, 'other', { sub: 'recent-other' });
      expect(completion.searchParams.get('linked')).toBe('other');

      await SessionModel.collection.updateMany(
        { userId: new Types.ObjectId(account.userId) },
        { $set: { createdAt: new Date(Date.now() - 6 * 60_000) } },
      );
      const stale = await fetch(`${ctx.url}/api/v1/me/identities/acme`, {
        method: 'POST',
        headers: bearer(account.accessToken),
        body: '{}',
      });
      expect(stale.status).toBe(403);
      expect((await stale.json()).code).toBe('INVALID_CREDENTIALS');
    });
  });

  describe('DELETE /api/v1/me/identities/:provider', () => {
    it('when it is the only way to sign in, then 409 LAST_SIGN_IN_METHOD and it stays', async () => {
      const account = await providerAccount(ctx, idp, 'acme', 'last-1', 'last.one@example.test');
      const response = await fetch(`${ctx.url}/api/v1/me/identities/acme`, { method: 'DELETE', headers: bearer(account.accessToken) });
      expect(response.status).toBe(409);
      expect((await response.json()).code).toBe('LAST_SIGN_IN_METHOD');
      expect(await IdentityLinkModel.countDocuments({ _id: 'acme:last-1' })).toBe(1);
    });

    it('when "forgot password" gave the account a password, then the identity can go, audited and mailed', async () => {
      const email = 'forgot.one@example.test';
      // A trusted provider that verified this address: its identity outlives the reset (an untrusted one would not).
      const account = await providerAccount(ctx, idp, 'vouching', 'forgot-1', email);
      await fetch(`${ctx.url}/api/v1/auth/password/forgot`, { method: 'POST', headers: bearer(''), body: JSON.stringify({ email }) });
      const token = linkTokenOf(await mailbox.waitFor(email, /Reset your password/), 'reset-password');
      const reset = await fetch(`${ctx.url}/api/v1/auth/password/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, newPassword: 'a password of my own 42' }),
      });
      expect(reset.status).toBe(204);
      const login = await fetch(`${ctx.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'a password of my own 42' }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()).data;

      const response = await fetch(`${ctx.url}/api/v1/me/identities/vouching`, { method: 'DELETE', headers: bearer(accessToken) });
      expect(response.status).toBe(204);
      expect(await IdentityLinkModel.countDocuments({ _id: 'vouching:forgot-1' })).toBe(0);
      await eventually(() => AuditEventModel.exists({ type: 'user.identity_unlinked', targetId: account.userId }));
      await mailbox.waitFor(email, /sign-in provider was removed/);
    });

    it('when the provider is not linked, then 404', async () => {
      const user = await loginAs(ctx.app, await buildUser(ctx.container));
      const response = await fetch(`${ctx.url}/api/v1/me/identities/acme`, { method: 'DELETE', headers: bearer(user.accessToken) });
      expect(response.status).toBe(404);
    });
  });

  it('when an admin deletes the account, then its identities, attempts and codes are gone', async () => {
    const account = await providerAccount(ctx, idp, 'acme', 'deleted-1', 'deleted.one@example.test');
    await account.browser.fetch(`${ctx.url}/api/v1/me/identities/other`, {
      method: 'POST',
      headers: bearer(account.accessToken),
      body: '{}',
    });
    expect(await SignInAttemptModel.countDocuments({ linkUserId: account.userId })).toBe(1);
    const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    const response = await fetch(`${ctx.url}/api/v1/users/${account.userId}`, { method: 'DELETE', headers: bearer(admin.accessToken) });
    expect(response.status).toBe(204);
    expect(await UserModel.countDocuments({ _id: account.userId })).toBe(0);
    expect(await IdentityLinkModel.countDocuments({ userId: account.userId })).toBe(0);
    expect(await SignInAttemptModel.countDocuments({ linkUserId: account.userId })).toBe(0);
    expect(await ExchangeCodeModel.countDocuments({ userId: account.userId })).toBe(0);
  });
});
