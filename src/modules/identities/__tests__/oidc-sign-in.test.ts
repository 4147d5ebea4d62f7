import type { OAuth2Server } from 'oauth2-mock-server';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../../users/user.model';
import { ExchangeCodeModel } from '../exchange-code.model';
import { IdentityLinkModel } from '../identity-link.model';
import {
  exchangeCode,
  locationOf,
  nextIdentity,
  OIDC_TEST_APP_URL,
  providerEnv,
  signInAtProvider,
  startTestProvider,
  TestBrowser,
  useOidcTestApp,
} from '../../../../tests/support/oidc';

describe('signing in with an OpenID provider', () => {
  let provider: OAuth2Server;
  beforeAll(async () => {
    provider = await startTestProvider();
  });
  afterAll(() => provider.stop());
  const ctx = useOidcTestApp(() => ({ OIDC_PROVIDERS: 'acme', ...providerEnv('acme', provider.issuer.url!, { NAME: 'Acme ID' }) }));

  describe('GET /api/v1/auth/oauth/providers', () => {
    it('when providers are configured, then it lists their ids and names', async () => {
      const response = await fetch(`${ctx.url}/api/v1/auth/oauth/providers`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: [{ id: 'acme', name: 'Acme ID' }] });
    });
  });

  describe('GET /api/v1/auth/oauth/:provider/start', () => {
    it('when started, then it redirects to the provider with PKCE S256, state and nonce and sets a Lax binding cookie for the OAuth routes', async () => {
      const browser = new TestBrowser();
      const response = await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start?returnTo=%2Fsettings`);
      const location = locationOf(response);
      expect(location.origin).toBe(provider.issuer.url);
      expect(location.searchParams.get('code_challenge_method')).toBe('S256');
      expect(location.searchParams.get('redirect_uri')).toBe(`${ctx.url}/api/v1/auth/oauth/acme/callback`);
      expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(location.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(location.searchParams.get('scope')).toBe('openid email profile');
      const cookie = response.headers.getSetCookie().find((line) => line.startsWith('oauthBinding='));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\/api\/v1\/auth\/oauth(;|$)/);
      expect(cookie).toMatch(/Max-Age=600/);
      expect(cookie).not.toMatch(/Secure/);
    });

    it.each(['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', 'settings', '/a\\b'])(
      'when returnTo is %s, then 400 VALIDATION_FAILED and no cookie',
      async (returnTo) => {
        const browser = new TestBrowser();
        const response = await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start?returnTo=${encodeURIComponent(returnTo)}`);
        expect(response.status).toBe(400);
        expect((await response.json()).code).toBe('VALIDATION_FAILED');
        expect(browser.cookie('oauthBinding')).toBeUndefined();
      },
    );

    it('when the provider is not configured, then 404', async () => {
      const response = await fetch(`${ctx.url}/api/v1/auth/oauth/nobody/start`, { redirect: 'manual' });
      expect(response.status).toBe(404);
    });
  });

  describe('POST /api/v1/auth/oauth/exchange with hostile input', () => {
    it.each([
      ['an operator instead of a code', { code: { $gt: '' } }],
      ['an unknown field', { code: 'x', userId: 'someone' }],
      ['no code', {}],
    ])('when the body has %s, then 400 VALIDATION_FAILED', async (_name, body) => {
      const response = await new TestBrowser().fetch(`${ctx.url}/api/v1/auth/oauth/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect((await response.json()).code).toBe('VALIDATION_FAILED');
    });

    it('when another site posts it, then 403 CSRF_REJECTED', async () => {
      const response = await new TestBrowser().fetch(`${ctx.url}/api/v1/auth/oauth/exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        body: JSON.stringify({ code: 'x' }),
      });
      expect(response.status).toBe(403);
      expect((await response.json()).code).toBe('CSRF_REJECTED');
    });
  });

  describe('the whole sign-in', () => {
    it('when a new identity comes back, then an account without password is made and the one-time code signs it in with amr fed', async () => {
      const browser = new TestBrowser();
      nextIdentity(provider, { sub: 'new-1', email: 'New.One@Example.test', email_verified: true, name: 'New One' });
      const { completion } = await signInAtProvider(ctx, browser, 'acme', '/habits?view=week');
      expect(`${completion.origin}${completion.pathname}`).toBe(`${OIDC_TEST_APP_URL}/oauth-complete`);
      expect([...completion.searchParams.keys()]).toEqual(['code']);
      const code = completion.searchParams.get('code')!;

      const response = await exchangeCode(ctx, browser, code);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.data).toMatchObject({ tokenType: 'Bearer', returnTo: '/habits?view=week', session: { amr: ['fed'] } });
      expect(body.data.user).toMatchObject({ email: 'new.one@example.test', emailVerified: true, name: 'New One', role: 'user' });
      expect(response.headers.getSetCookie().some((line) => line.startsWith('refreshToken='))).toBe(true);

      const user = await UserModel.findOne({ email: 'new.one@example.test' }).select('+passwordHash').lean();
      expect(user).toMatchObject({ passwordHash: null, emailVerified: true, role: 'user' });
      expect(await IdentityLinkModel.findById('acme:new-1').lean()).toMatchObject({ userId: user!._id, email: 'new.one@example.test' });
      expect(await SessionModel.countDocuments({ userId: user!._id })).toBe(1);
      expect(await ExchangeCodeModel.countDocuments({ usedAt: null })).toBe(0);
      const login = await AuditEventModel.findOne({ type: 'auth.login', targetId: user!._id }).lean();
      expect(login?.details).toEqual({ method: 'oidc' });

      const me = await fetch(`${ctx.url}/api/v1/me`, { headers: { authorization: `Bearer ${body.data.accessToken}` } });
      expect(me.status).toBe(200);
    });

    it('when the provider says the address is not verified, then the new account is unverified', async () => {
      const browser = new TestBrowser();
      nextIdentity(provider, { sub: 'new-2', email: 'new.two@example.test', email_verified: false });
      const { completion } = await signInAtProvider(ctx, browser, 'acme');
      expect((await exchangeCode(ctx, browser, completion.searchParams.get('code')!)).status).toBe(200);
      expect(await UserModel.findOne({ email: 'new.two@example.test' }).lean()).toMatchObject({ emailVerified: false });
    });

    it('when the code is exchanged twice, from another browser or is made up, then 400 OAUTH_CODE_INVALID and no session', async () => {
      const browser = new TestBrowser();
      nextIdentity(provider, { sub: 'new-3', email: 'new.three@example.test', email_verified: true });
      const { completion } = await signInAtProvider(ctx, browser, 'acme');
      const code = completion.searchParams.get('code')!;

      const other = new TestBrowser();
      await other.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`);
      const stolen = await exchangeCode(ctx, other, code);
      expect(stolen.status).toBe(400);
      expect((await stolen.json()).code).toBe('OAUTH_CODE_INVALID');
      expect((await exchangeCode(ctx, browser, 'made-up')).status).toBe(400);

      expect((await exchangeCode(ctx, browser, code)).status).toBe(200);
      const again = await exchangeCode(ctx, browser, code);
      expect(again.status).toBe(400);
      expect((await again.json()).code).toBe('OAUTH_CODE_INVALID');
      const user = await UserModel.findOne({ email: 'new.three@example.test' }).lean();
      expect(await SessionModel.countDocuments({ userId: user!._id })).toBe(1);
    });
  });
});
