import type { OAuth2Server } from 'oauth2-mock-server';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { IdentityLinkModel } from '../identity-link.model';
import { buildUser, enrolMfa, loginAs, totpCode, uniqueEmail } from '../../../../tests/support/factories';
import {
  exchangeCode,
  nextIdentity,
  providerEnv,
  signInAtProvider,
  startTestProvider,
  TestBrowser,
  useOidcTestApp,
  type OidcTestContext,
} from '../../../../tests/support/oidc';

/** Signs in at `provider` as `claims` from a fresh browser; the frontend URL the callback sent it to. */
async function signInAs(ctx: OidcTestContext, idp: OAuth2Server, provider: string, claims: Record<string, unknown>, returnTo?: string) {
  const browser = new TestBrowser();
  nextIdentity(idp, claims);
  const { completion } = await signInAtProvider(ctx, browser, provider, returnTo);
  return { browser, completion, code: completion.searchParams.get('code'), error: completion.searchParams.get('error') };
}

async function verifiedUser(ctx: OidcTestContext, email = uniqueEmail()) {
  const user = await buildUser(ctx.container, { email });
  await UserModel.updateOne({ _id: user.id }, { $set: { emailVerified: true } });
  return user;
}

describe('which account a provider sign-in reaches', () => {
  let idp: OAuth2Server;
  beforeAll(async () => {
    idp = await startTestProvider();
  });
  afterAll(() => idp.stop());
  const ctx = useOidcTestApp(() => ({
    OIDC_PROVIDERS: 'trusted,plain',
    ...providerEnv('trusted', idp.issuer.url!, { TRUST_EMAIL: 'true' }),
    ...providerEnv('plain', idp.issuer.url!),
  }));

  it('when a known identity comes back with another address, then it signs in to its account and the account keeps its address', async () => {
    const first = await signInAs(ctx, idp, 'plain', { sub: 'known-1', email: 'known.before@example.test', email_verified: true });
    expect((await exchangeCode(ctx, first.browser, first.code!)).status).toBe(200);
    const account = await UserModel.findOne({ email: 'known.before@example.test' }).lean();

    const again = await signInAs(ctx, idp, 'plain', { sub: 'known-1', email: 'known.after@example.test', email_verified: false });
    const response = await exchangeCode(ctx, again.browser, again.code!);
    expect(response.status).toBe(200);
    expect((await response.json()).data.user.id).toBe(account!._id.toString());
    expect(await UserModel.countDocuments({ email: 'known.after@example.test' })).toBe(0);
    expect(await IdentityLinkModel.findById('plain:known-1').lean()).toMatchObject({ email: 'known.after@example.test' });
  });

  it('when a trusted provider vouches for an address a verified account holds, then the identity is linked to that account', async () => {
    const user = await verifiedUser(ctx);
    const { browser, code } = await signInAs(ctx, idp, 'trusted', { sub: 'link-1', email: user.email, email_verified: true });
    const response = await exchangeCode(ctx, browser, code!);
    expect(response.status).toBe(200);
    expect((await response.json()).data).toMatchObject({ user: { id: user.id }, session: { amr: ['fed'] } });
    expect(await IdentityLinkModel.findById('trusted:link-1').lean()).toMatchObject({ userId: expect.anything(), provider: 'trusted' });
    expect((await IdentityLinkModel.findById('trusted:link-1').lean())!.userId.toString()).toBe(user.id);
    const linked = await AuditEventModel.findOne({ type: 'user.identity_linked', targetId: user.id }).lean();
    expect(linked?.details).toMatchObject({ provider: 'trusted', via: 'verified_email' });
  });

  it.each([
    ['the local address is unverified (someone registered it first)', 'trusted', true, false],
    ['the provider is not trusted with addresses', 'plain', true, true],
    ['the provider does not say the address is verified', 'trusted', undefined, true],
    ['the provider says "true" as a string', 'trusted', 'true', true],
    ['the provider says the address is unverified', 'trusted', false, true],
  ])('when %s, then ACCOUNT_EXISTS and nothing is linked or created', async (_name, provider, providerVerified, localVerified) => {
    const user = localVerified ? await verifiedUser(ctx) : await buildUser(ctx.container);
    const sub = `exists-${user.email}`;
    const result = await signInAs(ctx, idp, provider as string, { sub, email: user.email, email_verified: providerVerified });
    expect(result.error).toBe('ACCOUNT_EXISTS');
    expect(result.code).toBeNull();
    expect(await IdentityLinkModel.countDocuments({ subject: sub })).toBe(0);
    expect(await UserModel.countDocuments({ email: user.email })).toBe(1);
    expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
  });

  it('when the provider shares no address for an unknown identity, then OAUTH_FAILED and no account', async () => {
    const users = await UserModel.countDocuments();
    const result = await signInAs(ctx, idp, 'plain', { sub: 'no-mail', email: undefined });
    expect(result.error).toBe('OAUTH_FAILED');
    expect(await UserModel.countDocuments()).toBe(users);
  });

  it('when the account is disabled, then the callback answers ACCOUNT_DISABLED, and a code issued before disabling is refused', async () => {
    const first = await signInAs(ctx, idp, 'plain', { sub: 'disabled-1', email: 'disabled.one@example.test', email_verified: true });
    const account = await UserModel.findOne({ email: 'disabled.one@example.test' }).lean();
    await UserModel.updateOne({ _id: account!._id }, { $set: { status: 'disabled' } });
    const refused = await exchangeCode(ctx, first.browser, first.code!);
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe('ACCOUNT_DISABLED');

    const again = await signInAs(ctx, idp, 'plain', { sub: 'disabled-1', email: 'disabled.one@example.test', email_verified: true });
    expect(again.error).toBe('ACCOUNT_DISABLED');
    expect(await SessionModel.countDocuments({ userId: account!._id })).toBe(0);
  });

  it("when the account has MFA, then the exchange answers MFA_REQUIRED with the sign-in's returnTo and the code step completes with amr fed and otp", async () => {
    const user = await verifiedUser(ctx);
    const { secret } = await enrolMfa(ctx.app, await loginAs(ctx.app, user));
    const claims = { sub: 'mfa-1', email: user.email, email_verified: true };
    const { browser, code } = await signInAs(ctx, idp, 'trusted', claims, '/reports/weekly?tab=2');
    const sessionsBefore = await SessionModel.countDocuments({ userId: user.id });

    const exchanged = await exchangeCode(ctx, browser, code!);
    expect(exchanged.status).toBe(403);
    const problem = await exchanged.json();
    expect(problem).toMatchObject({ code: 'MFA_REQUIRED', mfaToken: expect.any(String), returnTo: '/reports/weekly?tab=2' });
    expect(exchanged.headers.getSetCookie().some((line) => line.startsWith('refreshToken='))).toBe(false);
    expect(await SessionModel.countDocuments({ userId: user.id })).toBe(sessionsBefore);

    const verified = await fetch(`${ctx.url}/api/v1/auth/mfa/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mfaToken: problem.mfaToken, code: totpCode(secret, 1) }),
    });
    expect(verified.status).toBe(200);
    expect((await verified.json()).data.session.amr).toEqual(['fed', 'otp']);
  });

  describe('an account made through a provider has no password', () => {
    let browser: TestBrowser;
    let accessToken: string;
    const email = 'no.password@example.test';
    beforeAll(async () => {
      const result = await signInAs(ctx, idp, 'plain', { sub: 'nopass-1', email, email_verified: true });
      browser = result.browser;
      accessToken = (await (await exchangeCode(ctx, browser, result.code!)).json()).data.accessToken;
    });

    it('when someone logs in with any password, then 401 INVALID_CREDENTIALS as for a wrong one', async () => {
      const response = await fetch(`${ctx.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'anything at all' }),
      });
      expect(response.status).toBe(401);
      expect((await response.json()).code).toBe('INVALID_CREDENTIALS');
    });

    it('when the owner tries to change the password, then 409 PASSWORD_NOT_SET and nothing changes', async () => {
      const response = await fetch(`${ctx.url}/api/v1/me/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({ currentPassword: 'whatever it is', newPassword: 'a brand new passphrase 42' }),
      });
      expect(response.status).toBe(409);
      expect((await response.json()).code).toBe('PASSWORD_NOT_SET');
      expect((await UserModel.findOne({ email }).select('+passwordHash').lean())!.passwordHash).toBeNull();
    });
  });
});
