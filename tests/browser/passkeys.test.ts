import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { findFreePort } from '../../scripts/lib/processes';
import { AuditEventModel } from '../../src/modules/audit/audit-event.model';
import { PasskeyModel } from '../../src/modules/passkeys/passkey.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { addVirtualAuthenticator, CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser';
import { createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, eventually, type TestUser } from '../support/factories';

// The package exports only its entry points; the UMD bundle a page loads sits beside them.
const BROWSER_LIBRARY = readFileSync(
  path.join(path.dirname(require.resolve('@simplewebauthn/browser')), '../dist/bundle/index.umd.min.js'),
  'utf8',
);

/**
 * The test page: what a frontend does with @simplewebauthn/browser. `assertion(tweak)` lets a test
 * play a hostile client that edits the options (turning user verification off) before the ceremony.
 */
const PAGE = `<!doctype html><title>passkeys</title><script src="/simplewebauthn-browser.js"></script><script>
const { startRegistration, startAuthentication } = SimpleWebAuthnBrowser;
async function call(method, path, body, token) {
  const headers = { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) };
  const res = await fetch(path, { method, credentials: 'include', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
window.passkeyPage = {
  call,
  login: (email, password) => call('POST', '/api/v1/auth/login', { email, password }),
  async register(token, password) {
    const started = await call('POST', '/api/v1/me/passkeys/registration-options', { password }, token);
    if (started.status !== 200) return started;
    const response = await startRegistration({ optionsJSON: started.body.data.options });
    return call('POST', '/api/v1/me/passkeys', { response, name: 'Chromium' }, token);
  },
  async assertion(tweak) {
    const started = await call('POST', '/api/v1/auth/passkey/options', {});
    const response = await startAuthentication({ optionsJSON: { ...started.body.data.options, ...tweak } });
    return { challengeId: started.body.data.challengeId, response };
  },
  verify: (assertion) => call('POST', '/api/v1/auth/passkey/verify', assertion),
};
</script>`;

interface Answer {
  status: number;
  body: { code?: string; data?: Record<string, unknown> } | null;
}
interface Assertion {
  challengeId: string;
  response: { id: string };
}
interface VirtualCredential {
  credentialId: string;
  rpId: string;
  privateKey: string;
  userHandle: string;
  signCount: number;
  isResidentCredential: boolean;
  backupEligibility?: boolean;
  backupState?: boolean;
}

describe('passkeys in Chromium with the DevTools virtual authenticator', () => {
  useTestDatabase();
  let browser: Browser;
  let ctx: TestContext;
  let server: http.Server;
  let foreignServer: http.Server;
  let port: number;
  let foreignPort: number;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    port = await findFreePort();
    foreignPort = await findFreePort();
    // localhost is a secure context and a valid RP id (an IP address is not).
    ctx = createTestContext({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: `http://localhost:${port}` });
    const serve: http.RequestListener = (req, res) => {
      if (req.url === '/passkeys.html') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      if (req.url === '/simplewebauthn-browser.js')
        return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(BROWSER_LIBRARY);
      ctx.app(req, res);
    };
    // The same page and API on another port: another origin (not in WEBAUTHN_ORIGINS) for which "localhost" is still a valid RP id.
    [server, foreignServer] = [http.createServer(serve), http.createServer(serve)];
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => foreignServer.listen(foreignPort, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    for (const listening of [server, foreignServer]) {
      listening?.closeAllConnections();
      await new Promise((resolve) => listening?.close(resolve));
    }
    await ctx?.container.close();
  });

  /** A fresh browser profile on the page, with one virtual platform authenticator (resident keys, user verification). */
  async function openPage(authenticator: Record<string, unknown> = {}, pagePort = port) {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`http://localhost:${pagePort}/passkeys.html`);
    const { cdp, authenticatorId } = await addVirtualAuthenticator(page, authenticator);
    return { page, cdp, authenticatorId };
  }

  const login = (page: Page, user: TestUser) =>
    page.evaluate(({ email, password }) => window.passkeyPage.login(email, password), {
      email: user.email,
      password: user.password,
    }) as Promise<Answer>;

  async function registerIn(page: Page, user: TestUser): Promise<string> {
    const token = (await login(page, user)).body!.data!.accessToken as string;
    const answer = (await page.evaluate(({ accessToken, password }) => window.passkeyPage.register(accessToken, password), {
      accessToken: token,
      password: user.password,
    })) as Answer;
    expect(answer.status).toBe(201);
    return (answer.body!.data!.passkey as { id: string }).id;
  }

  const assertionIn = (page: Page, tweak: Record<string, unknown> = {}) =>
    page.evaluate((options) => window.passkeyPage.assertion(options), tweak) as Promise<Assertion>;
  const verifyIn = (page: Page, assertion: Assertion) =>
    page.evaluate((body) => window.passkeyPage.verify(body), assertion) as Promise<Answer>;

  async function credentialsOf(cdp: CDPSession, authenticatorId: string): Promise<VirtualCredential[]> {
    return ((await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as { credentials: VirtualCredential[] }).credentials;
  }

  /** Puts the credential back with an older signature counter, as a restored backup or a clone would present it. */
  async function rollBackCounter(cdp: CDPSession, authenticatorId: string, signCount: number): Promise<void> {
    const [credential] = await credentialsOf(cdp, authenticatorId);
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credential!.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...credential!, signCount } });
  }

  it('when a user registers a passkey and signs in with it, then the login is a full session with amr ["pop","mfa"]', async () => {
    const user = await buildUser(ctx.container);
    const { page } = await openPage();
    const passkeyId = await registerIn(page, user);
    const stored = await PasskeyModel.findById(passkeyId).lean();
    expect(stored).toMatchObject({ deviceType: 'singleDevice', backedUp: false });
    expect(stored?.userId.toString()).toBe(user.id);

    const answer = await verifyIn(page, await assertionIn(page));

    expect(answer.status).toBe(200);
    const session = answer.body!.data!.session as { id: string; amr: string[] };
    expect(session.amr).toEqual(['pop', 'mfa']);
    expect((await SessionModel.findById(session.id).lean())?.amr).toEqual(['pop', 'mfa']);
    expect((await PasskeyModel.findById(passkeyId).lean())?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('when the client turns user verification off and the user is not verified, then the server refuses the assertion', async () => {
    const user = await buildUser(ctx.container);
    const { page, cdp, authenticatorId } = await openPage();
    await registerIn(page, user);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });

    const answer = await verifyIn(page, await assertionIn(page, { userVerification: 'discouraged' }));

    expect(answer.status).toBe(401);
    expect(answer.body?.code).toBe('INVALID_CREDENTIALS');
    expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(0);
  });

  it('when a verified response is sent again, then the replay is refused', async () => {
    const user = await buildUser(ctx.container);
    const { page } = await openPage();
    await registerIn(page, user);
    const assertion = await assertionIn(page);

    expect((await verifyIn(page, assertion)).status).toBe(200);
    const replay = await verifyIn(page, assertion);

    expect(replay.status).toBe(401);
    expect(replay.body?.code).toBe('INVALID_CREDENTIALS');
    expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(1);
  });

  it('when a page on another origin gets an assertion for this relying party, then the server refuses it', async () => {
    const user = await buildUser(ctx.container);
    const home = await openPage();
    await registerIn(home.page, user);
    const [credential] = await credentialsOf(home.cdp, home.authenticatorId);
    // The same passkey in a browser on another origin of the same host, so the browser lets that page ask for this RP id.
    const foreign = await openPage({}, foreignPort);
    await foreign.cdp.send('WebAuthn.addCredential', { authenticatorId: foreign.authenticatorId, credential: credential! });

    const answer = await verifyIn(foreign.page, await assertionIn(foreign.page));

    expect(answer.status).toBe(401);
    expect(answer.body?.code).toBe('INVALID_CREDENTIALS');
    expect(await SessionModel.countDocuments({ userId: user.id, amr: 'pop' })).toBe(0);
    // The control: the very passkey still signs in from the allowed origin, so only the origin was refused.
    expect((await verifyIn(home.page, await assertionIn(home.page))).status).toBe(200);
  });

  it('when a device-bound passkey presents an old counter, then the sign-in is refused and audited', async () => {
    const user = await buildUser(ctx.container);
    const { page, cdp, authenticatorId } = await openPage();
    const passkeyId = await registerIn(page, user);
    expect((await verifyIn(page, await assertionIn(page))).status).toBe(200);
    expect((await verifyIn(page, await assertionIn(page))).status).toBe(200);
    const counter = (await PasskeyModel.findById(passkeyId).lean())!.counter;
    expect(counter).toBeGreaterThan(0);
    await rollBackCounter(cdp, authenticatorId, 0);

    const answer = await verifyIn(page, await assertionIn(page));

    expect(answer.status).toBe(401);
    expect((await PasskeyModel.findById(passkeyId).lean())?.counter).toBe(counter);
    const event = await eventually(() => AuditEventModel.findOne({ type: 'auth.passkey_counter_regression', targetId: user.id }).lean());
    expect(event.details).toMatchObject({ passkeyId, synced: false, refused: true });
  });

  it('when a synced (backup-eligible) passkey presents an old counter, then it signs in, audited, and its backup flags follow every use', async () => {
    const user = await buildUser(ctx.container);
    const { page, cdp, authenticatorId } = await openPage({ defaultBackupEligibility: true, defaultBackupState: false });
    const passkeyId = await registerIn(page, user);
    expect(await PasskeyModel.findById(passkeyId).lean()).toMatchObject({ deviceType: 'multiDevice', backedUp: false });
    expect((await verifyIn(page, await assertionIn(page))).status).toBe(200);
    expect((await verifyIn(page, await assertionIn(page))).status).toBe(200);
    await rollBackCounter(cdp, authenticatorId, 0);
    await cdp.send('WebAuthn.setCredentialProperties', {
      authenticatorId,
      credentialId: Buffer.from(passkeyId, 'base64url').toString('base64'),
      backupEligibility: true,
      backupState: true,
    });

    const answer = await verifyIn(page, await assertionIn(page));

    expect(answer.status).toBe(200);
    expect(await PasskeyModel.findById(passkeyId).lean()).toMatchObject({ counter: 1, deviceType: 'multiDevice', backedUp: true });
    const event = await eventually(() => AuditEventModel.findOne({ type: 'auth.passkey_counter_regression', targetId: user.id }).lean());
    expect(event.details).toMatchObject({ passkeyId, synced: true, refused: false });
  });

  it('when the user deletes the passkey, then the authenticator can no longer sign in with it', async () => {
    const user = await buildUser(ctx.container);
    const { page } = await openPage();
    const passkeyId = await registerIn(page, user);
    const token = (await login(page, user)).body!.data!.accessToken as string;

    const removed = (await page.evaluate(
      ({ id, accessToken }) => window.passkeyPage.call('DELETE', `/api/v1/me/passkeys/${encodeURIComponent(id)}`, undefined, accessToken),
      { id: passkeyId, accessToken: token },
    )) as Answer;

    expect(removed.status).toBe(204);
    expect(await PasskeyModel.exists({ _id: passkeyId })).toBeNull();
    expect((await verifyIn(page, await assertionIn(page))).status).toBe(401);
  });
});

declare global {
  interface Window {
    passkeyPage: {
      call(method: string, path: string, body?: unknown, token?: string): Promise<unknown>;
      login(email: string, password: string): Promise<unknown>;
      register(token: string, password: string): Promise<unknown>;
      assertion(tweak: Record<string, unknown>): Promise<unknown>;
      verify(assertion: unknown): Promise<unknown>;
    };
  }
}
