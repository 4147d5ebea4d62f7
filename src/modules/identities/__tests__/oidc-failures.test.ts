import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { findFreePort } from '../../../../scripts/lib/processes';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { ExchangeCodeModel } from '../exchange-code.model';
import { SignInAttemptModel } from '../sign-in-attempt.model';
import {
  locationOf,
  nextIdentity,
  OIDC_TEST_APP_URL,
  TEST_CLIENT_ID,
  providerEnv,
  startTestProvider,
  TestBrowser,
  useOidcTestApp,
  visitProvider,
  type OidcTestContext,
} from '../../../../tests/support/oidc';

/** Start and the provider's answer, without the callback: the callback URL the browser would go to. */
async function startAndAuthorize(ctx: OidcTestContext, browser: TestBrowser, provider = 'acme'): Promise<URL> {
  return visitProvider(locationOf(await browser.fetch(`${ctx.url}/api/v1/auth/oauth/${provider}/start`)));
}

/** The callback as `browser` would make it: where it sends the browser. */
async function callback(browser: TestBrowser, url: URL | string): Promise<URL> {
  return locationOf(await browser.fetch(String(url)));
}

const errorOf = (completion: URL): string | null => completion.searchParams.get('error');

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims a genuine ID token of this sign-in would carry (its nonce is in the provider URL the start gave). */
function genuineClaims(provider: OAuth2Server, authorizeUrl: URL, sub: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const nonce = authorizeUrl.searchParams.get('nonce');
  return {
    iss: provider.issuer.url,
    aud: TEST_CLIENT_ID,
    sub,
    nonce,
    iat: now,
    exp: now + 600,
    email: `${sub}@example.test`,
    email_verified: true,
  };
}

/** The next token response carries this ID token instead of the provider's own (the hook is synchronous). */
function answerNextWith(provider: OAuth2Server, idToken: string): void {
  provider.service.once('beforeResponse', (response: { body: Record<string, unknown> }) => {
    response.body.id_token = idToken;
  });
}

describe('signing in with an OpenID provider: what is refused', () => {
  let provider: OAuth2Server;
  let silent: net.Server;
  let silentUrl: string;
  let latePort: number;
  let late: OAuth2Server | undefined;
  const hung: net.Socket[] = [];
  beforeAll(async () => {
    provider = await startTestProvider();
    // Accepts connections and never answers: a provider that hangs.
    silent = net.createServer((socket) => hung.push(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    latePort = await findFreePort();
  });
  afterAll(async () => {
    await provider.stop();
    await late?.stop();
    hung.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  });
  const ctx = useOidcTestApp(() => ({
    OIDC_PROVIDERS: 'acme,hanging,gone,late',
    OIDC_HTTP_TIMEOUT: '1s',
    ...providerEnv('acme', provider.issuer.url!),
    ...providerEnv('hanging', silentUrl),
    ...providerEnv('gone', 'http://127.0.0.1:9'),
    ...providerEnv('late', `http://127.0.0.1:${latePort}`),
  }));

  it('when the callback comes to another browser, then OAUTH_STATE_INVALID and the attempt stays usable by its own browser', async () => {
    const browser = new TestBrowser();
    nextIdentity(provider, { sub: 'f-1', email: 'f1@example.test', email_verified: true });
    const callbackUrl = await startAndAuthorize(ctx, browser);

    const attacker = new TestBrowser();
    await attacker.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`);
    expect(errorOf(await callback(attacker, callbackUrl))).toBe('OAUTH_STATE_INVALID');
    expect(errorOf(await callback(new TestBrowser(), callbackUrl))).toBe('OAUTH_STATE_INVALID');

    const own = await callback(browser, callbackUrl);
    expect(own.searchParams.get('code')).toBeTruthy();
  });

  it('when a callback is replayed, then OAUTH_STATE_INVALID and no second code', async () => {
    const browser = new TestBrowser();
    nextIdentity(provider, { sub: 'f-2', email: 'f2@example.test', email_verified: true });
    const callbackUrl = await startAndAuthorize(ctx, browser);
    expect((await callback(browser, callbackUrl)).searchParams.get('code')).toBeTruthy();
    const codesBefore = await ExchangeCodeModel.countDocuments();
    expect(errorOf(await callback(browser, callbackUrl))).toBe('OAUTH_STATE_INVALID');
    expect(await ExchangeCodeModel.countDocuments()).toBe(codesBefore);
  });

  it.each([
    ['tampered', (url: URL) => url.searchParams.set('state', `${url.searchParams.get('state')}x`)],
    ['missing', (url: URL) => url.searchParams.delete('state')],
    ['repeated', (url: URL) => url.searchParams.append('state', 'other')],
  ])('when the state is %s, then OAUTH_STATE_INVALID and no account', async (_name, tamper) => {
    const browser = new TestBrowser();
    const callbackUrl = await startAndAuthorize(ctx, browser);
    tamper(callbackUrl);
    const completion = await callback(browser, callbackUrl);
    expect(`${completion.origin}${completion.pathname}`).toBe(`${OIDC_TEST_APP_URL}/oauth-complete`);
    expect(errorOf(completion)).toBe('OAUTH_STATE_INVALID');
    expect(completion.searchParams.get('code')).toBeNull();
  });

  it('when the attempt has expired, then OAUTH_STATE_INVALID', async () => {
    const browser = new TestBrowser();
    const callbackUrl = await startAndAuthorize(ctx, browser);
    await SignInAttemptModel.updateMany({ usedAt: null }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(errorOf(await callback(browser, callbackUrl))).toBe('OAUTH_STATE_INVALID');
  });

  it.each([
    ['a wrong nonce', { nonce: 'not-the-nonce' }],
    ['another issuer', { iss: 'http://127.0.0.1:1/elsewhere' }],
    ['another audience', { aud: 'another-client' }],
    ['an expired ID token', { exp: Math.floor(Date.now() / 1000) - 3600, iat: Math.floor(Date.now() / 1000) - 7200 }],
  ])('when the ID token has %s, then OAUTH_FAILED and no account, session or code', async (_name, claims) => {
    const browser = new TestBrowser();
    const email = `bad.${Object.keys(claims)[0]}@example.test`;
    nextIdentity(provider, { sub: `bad-${email}`, email, email_verified: true, ...claims });
    const completion = await callback(browser, await startAndAuthorize(ctx, browser));
    expect(errorOf(completion)).toBe('OAUTH_FAILED');
    expect(await UserModel.countDocuments({ email })).toBe(0);
  });

  it('when the ID token is signed with a key the provider does not publish, then OAUTH_FAILED and no account', async () => {
    const browser = new TestBrowser();
    const authorizeUrl = locationOf(await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`));
    const callbackUrl = await visitProvider(authorizeUrl);
    const kid = (await (await fetch(`${provider.issuer.url}/jwks`)).json()).keys[0].kid as string;
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(genuineClaims(provider, authorizeUrl, 'forged'))
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(privateKey);
    answerNextWith(provider, forged);
    expect(errorOf(await callback(browser, callbackUrl))).toBe('OAUTH_FAILED');
    expect(await UserModel.countDocuments({ email: 'forged@example.test' })).toBe(0);
  });

  it('when the ID token is unsigned (alg none), then OAUTH_FAILED and no account', async () => {
    const browser = new TestBrowser();
    const authorizeUrl = locationOf(await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`));
    const callbackUrl = await visitProvider(authorizeUrl);
    answerNextWith(provider, `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(genuineClaims(provider, authorizeUrl, 'unsigned'))}.`);
    expect(errorOf(await callback(browser, callbackUrl))).toBe('OAUTH_FAILED');
    expect(await UserModel.countDocuments({ email: 'unsigned@example.test' })).toBe(0);
  });

  it('when the provider answers the sign-in with an error, then OAUTH_FAILED', async () => {
    const browser = new TestBrowser();
    const callbackUrl = await startAndAuthorize(ctx, browser);
    callbackUrl.searchParams.delete('code');
    callbackUrl.searchParams.set('error', 'access_denied');
    expect(errorOf(await callback(browser, callbackUrl))).toBe('OAUTH_FAILED');
  });

  it('when the token endpoint answers an error, then OAUTH_FAILED and no session', async () => {
    const browser = new TestBrowser();
    const callbackUrl = await startAndAuthorize(ctx, browser);
    provider.service.once('beforeResponse', (response: { body: unknown; statusCode: number }) => {
      response.statusCode = 400;
      response.body = { error: 'invalid_grant', error_description: 'the code has expired' };
    });
    const sessions = await SessionModel.countDocuments();
    expect(errorOf(await callback(browser, callbackUrl))).toBe('OAUTH_FAILED');
    expect(await SessionModel.countDocuments()).toBe(sessions);
  });

  it('when the provider cannot be reached, then the start sends the browser back with OAUTH_FAILED at once', async () => {
    const started = Date.now();
    const completion = locationOf(await new TestBrowser().fetch(`${ctx.url}/api/v1/auth/oauth/gone/start`));
    expect(errorOf(completion)).toBe('OAUTH_FAILED');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('when the provider accepts connections and never answers, then OAUTH_FAILED within the bounded timeout, not a hang', async () => {
    const started = Date.now();
    const completion = locationOf(await new TestBrowser().fetch(`${ctx.url}/api/v1/auth/oauth/hanging/start`));
    expect(errorOf(completion)).toBe('OAUTH_FAILED');
    // OIDC_HTTP_TIMEOUT is 1s here: a liveness bound with a generous margin.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('when a provider was down at the first sign-in and comes up, then the next sign-in discovers it (no restart)', async () => {
    expect(errorOf(locationOf(await new TestBrowser().fetch(`${ctx.url}/api/v1/auth/oauth/late/start`)))).toBe('OAUTH_FAILED');
    late = new OAuth2Server();
    await late.issuer.keys.generate('RS256');
    await late.start(latePort, '127.0.0.1');
    // Started on a fixed port, the mock names itself http://localhost:<port>: keep the configured issuer.
    late.issuer.url = `http://127.0.0.1:${latePort}`;
    const location = locationOf(await new TestBrowser().fetch(`${ctx.url}/api/v1/auth/oauth/late/start`));
    expect(location.origin).toBe(`http://127.0.0.1:${latePort}`);
  });
});
