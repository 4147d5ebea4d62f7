import type { OAuth2Server } from 'oauth2-mock-server';
import { createKeyholdClient, createMemoryCookieStore, KeyholdError, type CookieStore } from '../../packages/client/src';
import { IdentityLinkModel } from '../../src/modules/identities/identity-link.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { buildUser, enrolMfa, loginAs } from '../support/factories';
import {
  locationOf,
  nextIdentity,
  OIDC_TEST_APP_URL,
  providerEnv,
  startTestProvider,
  useOidcTestApp,
  visitProvider,
} from '../support/oidc';

/** One browser's cookie jar: the client's store, also used for the navigations a browser makes by itself. */
async function navigate(store: CookieStore, url: string): Promise<URL> {
  const cookie = await store.get(url);
  const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  await store.set(url, response.headers.getSetCookie());
  return locationOf(response);
}

/** A browser at `startUrl`: Keyhold -> provider -> callback -> where the callback sends it (the frontend). */
async function walkToCompletion(store: CookieStore, startUrl: string): Promise<URL> {
  const callback = await visitProvider(await navigate(store, startUrl));
  return navigate(store, callback.href);
}

/** A browser sent to the provider's `authorizeUrl` to link an identity: where the callback sends it. */
async function walkLink(store: CookieStore, authorizeUrl: string): Promise<URL> {
  return navigate(store, (await visitProvider(new URL(authorizeUrl))).href);
}

/** @keyhold/client's provider sign-in and linked identities in Node, against a real OpenID provider on loopback. */
describe('@keyhold/client with an OpenID provider, in Node', () => {
  let provider: OAuth2Server;
  beforeAll(async () => {
    provider = await startTestProvider();
  });
  afterAll(() => provider.stop());
  const ctx = useOidcTestApp(() => ({ OIDC_PROVIDERS: 'acme', ...providerEnv('acme', provider.issuer.url!, { NAME: 'Acme ID' }) }));

  function newClient() {
    const cookieStore = createMemoryCookieStore();
    const client = createKeyholdClient({ baseUrl: ctx.url, cookieStore });
    const signedIn: unknown[] = [];
    client.on('signedIn', (event) => signedIn.push(event));
    return { client, cookieStore, signedIn };
  }

  it('when asked for the providers, then it lists the configured ones', async () => {
    expect(await newClient().client.oauth.providers()).toEqual([{ id: 'acme', name: 'Acme ID' }]);
  });

  it('when a new person signs in at the provider, then complete(code) signs the client in with the returnTo and a federated session', async () => {
    const { client, cookieStore, signedIn } = newClient();
    const startUrl = client.oauth.startUrl('acme', '/settings');
    expect(startUrl).toBe(`${ctx.url}/api/v1/auth/oauth/acme/start?returnTo=%2Fsettings`);
    nextIdentity(provider, { sub: 'sdk-new-1', email: 'sdk.new@example.test', email_verified: true });
    const completion = await walkToCompletion(cookieStore, startUrl);
    expect(completion.origin + completion.pathname).toBe(`${OIDC_TEST_APP_URL}/oauth-complete`);

    const result = await client.oauth.complete(completion.searchParams.get('code')!);

    if (result.status !== 'signedIn') throw new Error(`expected a sign-in, got ${result.status}`);
    expect(result.returnTo).toBe('/settings');
    expect(result.user.email).toBe('sdk.new@example.test');
    expect(signedIn).toEqual([
      expect.objectContaining({ fromOtherTab: false, user: expect.objectContaining({ email: 'sdk.new@example.test' }) }),
    ]);
    expect((await client.me()).session.id).toBe(result.session.id);
    expect((await SessionModel.findById(result.session.id).lean())?.amr).toEqual(['fed']);
    expect(await client.oauth.identities()).toEqual([{ provider: 'acme', email: 'sdk.new@example.test', linkedAt: expect.any(String) }]);
  });

  it('when the code was already used, then complete rejects with OAUTH_CODE_INVALID and the client stays signed out', async () => {
    const { client, cookieStore } = newClient();
    nextIdentity(provider, { sub: 'sdk-reuse-1', email: 'sdk.reuse@example.test', email_verified: true });
    const code = (await walkToCompletion(cookieStore, client.oauth.startUrl('acme'))).searchParams.get('code')!;
    await client.oauth.complete(code);
    const second = newClient();
    await expect(second.client.oauth.complete(code)).rejects.toMatchObject({ status: 400, code: 'OAUTH_CODE_INVALID' });
    expect(second.client.signedIn).toBe(false);
  });

  it('when the account has MFA, then complete asks for the code and verify signs in with ["fed", "otp"]', async () => {
    const user = await buildUser(ctx.container);
    const { recoveryCodes } = await enrolMfa(ctx.app, await loginAs(ctx.app, user, 'jest', { mfa: false }));
    const { client, cookieStore } = newClient();
    const login = await client.login({ email: user.email, password: user.password });
    if (login.status !== 'mfaRequired') throw new Error(`expected the MFA step, got ${login.status}`);
    await login.verify(recoveryCodes[0]!);
    nextIdentity(provider, { sub: 'sdk-mfa-1', email: 'sdk.mfa.elsewhere@example.test' });
    const linked = await walkLink(cookieStore, await client.oauth.startIdentityLink('acme', user.password));
    expect(linked.searchParams.get('linked')).toBe('acme');
    expect((await IdentityLinkModel.findById('acme:sdk-mfa-1').lean())?.userId.toString()).toBe(user.id);

    const fresh = newClient();
    nextIdentity(provider, { sub: 'sdk-mfa-1' });
    const completion = await walkToCompletion(fresh.cookieStore, fresh.client.oauth.startUrl('acme'));
    const result = await fresh.client.oauth.complete(completion.searchParams.get('code')!);
    if (result.status !== 'mfaRequired') throw new Error(`expected the MFA step, got ${result.status}`);
    const verified = await result.verify(recoveryCodes[1]!);
    expect(verified.user.id).toBe(user.id);
    expect((await SessionModel.findById(verified.session.id).lean())?.amr).toEqual(['fed', 'otp']);
  });

  it('when the last sign-in method is unlinked, then LAST_SIGN_IN_METHOD; with a password it goes', async () => {
    const { client, cookieStore } = newClient();
    nextIdentity(provider, { sub: 'sdk-last-1', email: 'sdk.last@example.test', email_verified: true });
    await client.oauth.complete((await walkToCompletion(cookieStore, client.oauth.startUrl('acme'))).searchParams.get('code')!);
    const refused = await client.oauth.unlink('acme').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KeyholdError);
    expect(refused).toMatchObject({ status: 409, code: 'LAST_SIGN_IN_METHOD' });
    expect(await IdentityLinkModel.countDocuments({ _id: 'acme:sdk-last-1' })).toBe(1);

    const user = await buildUser(ctx.container);
    const owner = newClient();
    await owner.client.login({ email: user.email, password: user.password });
    nextIdentity(provider, { sub: 'sdk-unlink-1', email: 'sdk.unlink@example.test' });
    await walkLink(owner.cookieStore, await owner.client.oauth.startIdentityLink('acme', user.password));
    expect((await owner.client.oauth.identities()).map((identity) => identity.provider)).toEqual(['acme']);
    await owner.client.oauth.unlink('acme');
    expect(await owner.client.oauth.identities()).toEqual([]);
    expect(await IdentityLinkModel.countDocuments({ userId: (await UserModel.findOne({ email: user.email }).lean())!._id })).toBe(0);
  });
});
