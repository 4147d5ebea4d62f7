import http from 'node:http';
import type { OAuth2Server } from 'oauth2-mock-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findFreePort } from '../../scripts/lib/processes';
import { IdentityLinkModel } from '../../src/modules/identities/identity-link.model';
import { PasskeyModel } from '../../src/modules/passkeys/passkey.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { addVirtualAuthenticator, CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser';
import { createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, enrolMfa, loginAs, type TestUser } from '../support/factories';
import { locationOf, nextIdentity, providerEnv, startTestProvider, TestBrowser, visitProvider } from '../support/oidc';
import { checkPage, openRecordedPage, type RecordedPage } from '../support/pages';

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();

/**
 * Passkeys and provider sign-in in the hosted pages. The pages are served from http://localhost:<port>
 * (a secure context whose host is a valid WebAuthn RP id), which is also PUBLIC_URL: the provider sends
 * browsers back there, and APP_URL (PUBLIC_URL + /account) receives /oauth-complete.
 */
describe('the hosted account pages: passkeys and sign-in providers in Chromium', () => {
  useTestDatabase();
  let browser: Browser;
  let provider: OAuth2Server;
  let ctx: TestContext;
  let server: http.Server;
  let origin: string;
  const pages: RecordedPage[] = [];

  beforeAll(async () => {
    provider = await startTestProvider();
    const port = await findFreePort();
    origin = `http://localhost:${port}`;
    ctx = createTestContext({
      PUBLIC_URL: origin,
      CORS_ORIGINS: origin,
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: origin,
      OIDC_PROVIDERS: 'acme',
      ...providerEnv('acme', provider.issuer.url!, { NAME: 'Acme ID' }),
    });
    server = ctx.app.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await Promise.all(pages.map(({ page }) => page.context().close()));
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await ctx?.container.close();
    await provider?.stop();
  });

  /**
   * A fresh browser profile with one virtual platform authenticator (resident keys, user verification).
   * The virtual authenticator answers a conditional (autofill) request by itself, as a person picking the
   * passkey from the e-mail field's autofill would; `autofill: false` makes the browser report no
   * conditional UI, so only the button can start a ceremony.
   */
  async function openPage({ autofill = true } = {}): Promise<
    RecordedPage & { credentials(): Promise<object[]>; addCredential(credential: object): Promise<void> }
  > {
    const recorded = await openRecordedPage(browser);
    pages.push(recorded);
    if (!autofill) await recorded.page.addInitScript(() => (PublicKeyCredential.isConditionalMediationAvailable = async () => false));
    const { cdp, authenticatorId } = await addVirtualAuthenticator(recorded.page);
    const credentials = async () =>
      ((await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: object[] }).credentials;
    return {
      ...recorded,
      credentials,
      addCredential: async (credential) => void (await cdp.send('WebAuthn.addCredential', { authenticatorId, credential } as never)),
    };
  }

  async function signInWithPassword(page: Page, user: TestUser): Promise<void> {
    await page.goto(`${origin}/account/`);
    await heading(page, 'Sign in');
    await page.getByLabel('E-mail address').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await heading(page, 'Your account');
  }

  /** No URL the page showed or requested carries the provider's one-time code, and no request carries a JWT. */
  function expectNoSecretInUrls({ recorded }: RecordedPage, code: string): void {
    const shown = recorded.navigated.filter((url) => !url.includes('/oauth-complete?code='));
    expect(shown.filter((url) => url.includes(code))).toEqual([]);
    expect(recorded.requests.filter((request) => request.url.includes('eyJ') || request.referer?.includes(code))).toEqual([]);
  }

  it('when a password account adds a passkey, then it signs in with the button and the autofill, renames and removes it', async () => {
    const user = await buildUser(ctx.container);
    const { page, credentials } = await openPage({ autofill: false });
    await signInWithPassword(page, user);
    const passkeys = page.getByRole('region', { name: 'Passkeys' });
    await passkeys.getByText('You have no passkeys yet.').waitFor();

    await passkeys.getByLabel('Password').fill(user.password);
    await passkeys.getByLabel('Name of the passkey').fill('Laptop');
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
    await passkeys.getByText('Laptop is added. You can now sign in with it.').waitFor();
    const [stored] = await PasskeyModel.find({ userId: user.id }).lean();
    expect(stored).toMatchObject({ name: 'Laptop' });
    await passkeys.getByText(/last used never/).waitFor();
    await checkPage(page, 'passkeys', passkeys);

    // Sign out, then in again with the passkey button alone
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');
    await checkPage(page, 'sign-in-options');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await heading(page, 'Your account');
    const session = await SessionModel.findOne({ userId: user.id, revokedAt: null }).sort({ createdAt: -1 }).lean();
    expect(session?.amr).toEqual(['pop', 'mfa']);
    expect((await PasskeyModel.findById(stored!._id).lean())?.lastUsedAt).toBeInstanceOf(Date);

    // Rename
    await passkeys.getByLabel('New name for Laptop').fill('Work laptop');
    await passkeys.getByRole('button', { name: 'Rename' }).click();
    await passkeys.getByText('The passkey is now called Work laptop.').waitFor();
    expect((await PasskeyModel.findById(stored!._id).lean())?.name).toBe('Work laptop');

    // Another browser holding the same passkey: the sign-in page's autofill request signs in without a click
    const other = await openPage();
    await other.addCredential((await credentials())[0]!);
    const verified = other.page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/passkey/verify'));
    await other.page.goto(`${origin}/account/`);
    expect((await verified).status()).toBe(200);
    await heading(other.page, 'Your account');
    expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(2);

    // Remove: the account still has its password, so the last passkey may go
    await passkeys.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
    await passkeys.getByText('Work laptop is removed.').waitFor();
    await passkeys.getByText('You have no passkeys yet.').waitFor();
    expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(0);

    // The other browser still holds the removed passkey: its autofill sign-in is refused, in words
    await other.page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await heading(other.page, 'Sign in');
    await other.page.getByRole('alert').filter({ hasText: 'This passkey is not known here' }).waitFor();
    expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop', revokedAt: null })).toBe(1);
  });

  it('when an account made through the provider adds a passkey, then no password is asked; it can go while the identity remains, not once it is the last way in', async () => {
    const { page } = await openPage({ autofill: false });
    await page.goto(`${origin}/account/`);
    await heading(page, 'Sign in');
    nextIdentity(provider, { sub: 'pages-passkey-1', email: 'pages.passkey@example.test', email_verified: true });
    await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
    await heading(page, 'Your account');
    const account = await UserModel.findOne({ email: 'pages.passkey@example.test' }).lean();
    expect(account?.passwordHash ?? null).toBeNull();
    const passkeys = page.getByRole('region', { name: 'Passkeys' });
    const addPasskey = async (name: string) => {
      await passkeys.getByLabel('Name of the passkey').fill(name);
      await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
      await passkeys.getByText(`${name} is added. You can now sign in with it.`).waitFor();
    };

    // No password typed: the sign-in a moment ago stands in for it
    await passkeys.getByText('You have no passkeys yet.').waitFor();
    expect(await passkeys.getByLabel('Password').inputValue()).toBe('');
    await addPasskey('Phone');
    expect(await PasskeyModel.countDocuments({ userId: account!._id })).toBe(1);

    // The identity remains, so its only passkey may go
    await passkeys.getByRole('button', { name: 'Remove passkey Phone' }).click();
    await passkeys.getByText('Phone is removed.').waitFor();
    expect(await PasskeyModel.countDocuments({ userId: account!._id })).toBe(0);

    // Unlinked (the new passkey remains), the passkey is the last way in: its removal is refused in words
    await addPasskey('Laptop');
    const providers = page.getByRole('region', { name: 'Sign-in providers' });
    await providers.getByRole('button', { name: 'Unlink Acme ID' }).click();
    await providers.getByText('Acme ID is unlinked.').waitFor();
    expect(await IdentityLinkModel.countDocuments({ userId: account!._id })).toBe(0);
    await passkeys.getByRole('button', { name: 'Remove passkey Laptop' }).click();
    await passkeys.getByText('This is your last way to sign in, so it cannot be removed.').waitFor();
    const remaining = await PasskeyModel.find({ userId: account!._id }).lean();
    expect(remaining.map((passkey) => passkey.name)).toEqual(['Laptop']);
  });

  it('when the account has WEBAUTHN_MAX_PASSKEYS passkeys, then adding one more is refused in words before any ceremony', async () => {
    const user = await buildUser(ctx.container);
    await PasskeyModel.create(
      Array.from({ length: ctx.config.webauthn.maxPasskeys }, (_, index) => ({
        _id: `limit-${user.id}-${index}`,
        userId: user.id,
        name: `Key ${index + 1}`,
        publicKey: Buffer.from([index]),
        deviceType: 'singleDevice',
        backedUp: false,
      })),
    );
    const recorded = await openPage({ autofill: false });
    await signInWithPassword(recorded.page, user);
    const passkeys = recorded.page.getByRole('region', { name: 'Passkeys' });
    await passkeys.getByText(`Key ${ctx.config.webauthn.maxPasskeys}`, { exact: true }).waitFor();

    await passkeys.getByLabel('Password').fill(user.password);
    await passkeys.getByRole('button', { name: 'Add a passkey' }).click();

    await passkeys.getByText('You have as many passkeys as this service allows. Remove one before adding another.').waitFor();
    expect(await recorded.credentials()).toEqual([]);
    expect(await PasskeyModel.countDocuments({ userId: user.id })).toBe(ctx.config.webauthn.maxPasskeys);
  });

  it('when a new person continues with the provider, then the completion page signs them in and the code leaves the address bar', async () => {
    const recorded = await openPage();
    const { page } = recorded;
    await page.goto(`${origin}/account/`);
    await heading(page, 'Sign in');
    nextIdentity(provider, { sub: 'pages-new-1', email: 'pages.new@example.test', email_verified: true });
    await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
    await heading(page, 'Your account');
    expect(page.url()).toBe(`${origin}/account/`);
    const completion = recorded.recorded.navigated.find((url) => url.startsWith(`${origin}/account/oauth-complete?code=`));
    const code = new URL(completion!).searchParams.get('code')!;
    expectNoSecretInUrls(recorded, code);
    const account = await UserModel.findOne({ email: 'pages.new@example.test' }).lean();
    expect(account?.passwordHash ?? null).toBeNull();
    expect((await SessionModel.findOne({ userId: account!._id }).lean())?.amr).toEqual(['fed']);

    // The providers section lists it; unlinking the only way in is refused with the contract's message
    const providers = page.getByRole('region', { name: 'Sign-in providers' });
    await providers.getByText('Acme ID').waitFor();
    await checkPage(page, 'sign-in-providers', providers);
    await providers.getByRole('button', { name: 'Unlink Acme ID' }).click();
    await providers.getByText('This is your last way to sign in, so it cannot be removed.').waitFor();
    expect(await IdentityLinkModel.countDocuments({ _id: 'acme:pages-new-1' })).toBe(1);
    await checkPage(page, 'last-sign-in-method', providers);
  });

  /** An account with two-step verification whose provider identity `subject` is linked (over HTTP, as in settings). */
  async function mfaAccountLinkedAs(subject: string): Promise<{ user: TestUser; recoveryCodes: string[] }> {
    const user = await buildUser(ctx.container);
    const signedIn = await loginAs(ctx.app, user, 'jest', { mfa: false });
    const { recoveryCodes } = await enrolMfa(ctx.app, signedIn);
    // Start the link, pass the provider, come back to the callback.
    const linker = new TestBrowser();
    const started = await linker.fetch(`${origin}/api/v1/me/identities/acme`, {
      method: 'POST',
      headers: { authorization: `Bearer ${signedIn.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: user.password }),
    });
    nextIdentity(provider, { sub: subject });
    const callback = await visitProvider(new URL(((await started.json()) as { data: { url: string } }).data.url));
    expect(locationOf(await linker.fetch(callback.href)).searchParams.get('linked')).toBe('acme');
    return { user, recoveryCodes };
  }

  it('when the account behind the provider has two-step verification, then the completion page asks for the code before signing in', async () => {
    const { user, recoveryCodes } = await mfaAccountLinkedAs('pages-mfa-1');

    const { page } = await openPage({ autofill: false });
    await page.goto(`${origin}/account/`);
    await heading(page, 'Sign in');
    nextIdentity(provider, { sub: 'pages-mfa-1' });
    await page.getByRole('button', { name: 'Continue with Acme ID' }).click();
    await heading(page, 'Two-step verification');
    expect(page.url()).toBe(`${origin}/account/oauth-complete`);
    await page.getByLabel('Authentication code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, 'Your account');
    expect(page.url()).toBe(`${origin}/account/`);
    const session = await SessionModel.findOne({ userId: user.id, amr: 'fed' }).lean();
    expect(session?.amr).toEqual(['fed', 'otp']);
  });

  it('when a sign-in started with a returnTo meets two-step verification, then after the code the browser lands on that returnTo', async () => {
    const { user, recoveryCodes } = await mfaAccountLinkedAs('pages-mfa-return-1');

    const { page } = await openPage({ autofill: false });
    nextIdentity(provider, { sub: 'pages-mfa-return-1' });
    // An app's "Continue with" link: the sign-in starts with where to go afterwards.
    await page.goto(`${origin}/api/v1/auth/oauth/acme/start?returnTo=${encodeURIComponent('/some-page?tab=2')}`);
    await heading(page, 'Two-step verification');
    expect(page.url()).toBe(`${origin}/account/oauth-complete`);
    await page.getByLabel('Authentication code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${origin}/some-page?tab=2`);
    const session = await SessionModel.findOne({ userId: user.id, amr: 'fed' }).lean();
    expect(session?.amr).toEqual(['fed', 'otp']);
  });

  it('when the provider sign-in ends in an error redirect, then the page says what happened in words', async () => {
    const { page } = await openPage();
    await page.goto(`${origin}/account/oauth-complete?error=ACCOUNT_EXISTS`);
    await heading(page, 'Sign-in did not finish');
    await page
      .getByRole('alert')
      .filter({ hasText: /already exists\. Sign in with your password or passkey/ })
      .waitFor();
    expect(page.url()).toBe(`${origin}/account/oauth-complete`);
    await checkPage(page, 'oauth-error');

    const messages: Record<string, RegExp> = {
      OAUTH_STATE_INVALID: /took too long, was already used or was started in another browser/,
      OAUTH_FAILED: /provider did not confirm who you are/,
      ACCOUNT_DISABLED: /This account has been disabled/,
      IDENTITY_TAKEN: /already linked to another Keyhold account/,
      OAUTH_CODE_INVALID: /This sign-in has expired or was already used/,
      MFA_TOKEN_INVALID: /expired or had too many wrong codes/,
      '<b>UNKNOWN</b>': /^The sign-in with the provider did not finish\.$/,
    };
    for (const [code, message] of Object.entries(messages)) {
      await page.goto(`${origin}/account/oauth-complete?error=${encodeURIComponent(code)}`);
      await heading(page, 'Sign-in did not finish');
      expect(await page.getByRole('alert').filter({ hasText: message }).count()).toBe(1);
      expect(page.url()).toBe(`${origin}/account/oauth-complete`);
    }

    await page.goto(`${origin}/account/oauth-complete?code=not-a-code`);
    await heading(page, 'Sign-in did not finish');
    await page.getByText('This sign-in has expired or was already used.', { exact: false }).waitFor();
    expect(page.url()).toBe(`${origin}/account/oauth-complete`);
  });

  it('when a password account links the provider in settings and unlinks it, then the link is stored and removed', async () => {
    const user = await buildUser(ctx.container);
    const { page } = await openPage();
    await signInWithPassword(page, user);
    const providers = page.getByRole('region', { name: 'Sign-in providers' });
    await providers.getByText('No provider is linked.').waitFor();
    await providers.getByLabel('Password to link Acme ID').fill(user.password);
    nextIdentity(provider, { sub: 'pages-link-1', email: 'pages.link.elsewhere@example.test' });
    await providers.getByRole('button', { name: 'Link Acme ID' }).click();
    await heading(page, 'Your account');
    await providers.getByRole('button', { name: 'Unlink Acme ID' }).waitFor();
    expect(page.url()).toBe(`${origin}/account/`);
    expect((await IdentityLinkModel.findById('acme:pages-link-1').lean())?.userId.toString()).toBe(user.id);

    await providers.getByRole('button', { name: 'Unlink Acme ID' }).click();
    await providers.getByText('Acme ID is unlinked.').waitFor();
    await providers.getByText('No provider is linked.').waitFor();
    expect(await IdentityLinkModel.countDocuments({ userId: user.id })).toBe(0);
  });
});
