import type { OAuth2Server } from 'oauth2-mock-server';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { ExchangeCodeModel } from '../../src/modules/identities/exchange-code.model';
import { IdentityLinkModel } from '../../src/modules/identities/identity-link.model';
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
} from '../support/oidc';

const PARALLEL = 10;

describe('OIDC sign-in under parallel requests', () => {
  let idp: OAuth2Server;
  beforeAll(async () => {
    idp = await startTestProvider();
  });
  afterAll(() => idp.stop());
  const ctx = useOidcTestApp(() => ({
    OIDC_PROVIDERS: 'acme,other',
    ...providerEnv('acme', idp.issuer.url!),
    ...providerEnv('other', idp.issuer.url!),
  }));

  it('when one callback (one state) arrives 10 times at once, then exactly one gets a code and the rest OAUTH_STATE_INVALID', async () => {
    const browser = new TestBrowser();
    const callbackUrl = await visitProvider(locationOf(await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`)));
    // The provider answers each code once; every callback past the state check would ask it, so all ask for the same claims.
    idp.service.on('beforeTokenSigning', sameIdentity);
    try {
      const completions = await Promise.all(
        Array.from({ length: PARALLEL }, async () => locationOf(await browser.fetch(callbackUrl.href))),
      );
      const codes = completions.map((url) => url.searchParams.get('code')).filter(Boolean);
      expect(codes).toHaveLength(1);
      expect(completions.filter((url) => url.searchParams.get('error') === 'OAUTH_STATE_INVALID')).toHaveLength(PARALLEL - 1);
      expect(await ExchangeCodeModel.countDocuments({ bindingHash: { $exists: true } })).toBe(1);
    } finally {
      idp.service.off('beforeTokenSigning', sameIdentity);
    }
  });

  it('when one exchange code is used 10 times at once, then exactly one login and one session', async () => {
    const browser = new TestBrowser();
    nextIdentity(idp, { sub: 'race-code', email: 'race.code@example.test', email_verified: true });
    const { completion } = await signInAtProvider(ctx, browser, 'acme');
    const code = completion.searchParams.get('code')!;
    const responses = await Promise.all(Array.from({ length: PARALLEL }, () => exchangeCode(ctx, browser, code)));
    expect(responses.filter((response) => response.status === 200)).toHaveLength(1);
    expect(responses.filter((response) => response.status === 400)).toHaveLength(PARALLEL - 1);
    const userId = (await IdentityLinkModel.findById('acme:race-code').lean())!.userId;
    expect(await SessionModel.countDocuments({ userId })).toBe(1);
  });

  it('when the last two identities of an account without password are unlinked at once, then one goes and one stays', async () => {
    const browser = new TestBrowser();
    nextIdentity(idp, { sub: 'race-unlink', email: 'race.unlink@example.test', email_verified: true });
    const { completion } = await signInAtProvider(ctx, browser, 'acme');
    const { accessToken, user } = (await (await exchangeCode(ctx, browser, completion.searchParams.get('code')!)).json()).data;
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const started = await browser.fetch(`${ctx.url}/api/v1/me/identities/other`, { method: 'POST', headers, body: '{}' });
    nextIdentity(idp, { sub: 'race-unlink-other' });
    await browser.fetch((await visitProvider(new URL((await started.json()).data.url))).href);
    expect(await IdentityLinkModel.countDocuments({ userId: user.id })).toBe(2);

    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, index) =>
        fetch(`${ctx.url}/api/v1/me/identities/${index % 2 === 0 ? 'acme' : 'other'}`, { method: 'DELETE', headers }),
      ),
    );
    expect(responses.filter((response) => response.status === 204)).toHaveLength(1);
    expect(responses.every((response) => [204, 404, 409].includes(response.status))).toBe(true);
    expect(await IdentityLinkModel.countDocuments({ userId: user.id })).toBe(1);
  });
});

function sameIdentity(token: { payload: Record<string, unknown> }): void {
  if (token.payload.aud !== undefined)
    Object.assign(token.payload, { sub: 'race-state', email: 'race.state@example.test', email_verified: true });
}
