import http from 'node:http';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { findFreePort } from '../../scripts/lib/processes';
import { AccountTokenModel } from '../../src/modules/account-recovery/account-token.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser';
import { createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, eventually, totpCode, uniqueEmail } from '../support/factories';
import { MAIL_TEST_ENV } from '../support/mail-app';
import { startMailbox, type TestMailbox } from '../support/mailbox';
import { checkPage, mailLinkOf, openRecordedPage, type RecordedPage } from '../support/pages';

const FIREFOX_ON_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
const LOGIN_MAX_FAILURES = 3;

/** A Keyhold on its own port whose PUBLIC_URL is that port, so mail links use the default APP_URL. */
async function startKeyhold(env: Record<string, string>): Promise<{ ctx: TestContext; origin: string; server: http.Server }> {
  const port = await findFreePort();
  const origin = `http://127.0.0.1:${port}`;
  const ctx = createTestContext({ PUBLIC_URL: origin, CORS_ORIGINS: origin, ...env });
  const server = ctx.app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { ctx, origin, server };
}

async function stopKeyhold(keyhold: { ctx: TestContext; server: http.Server } | undefined): Promise<void> {
  if (!keyhold) return;
  keyhold.server.closeAllConnections();
  await new Promise((resolve) => keyhold.server.close(resolve));
  await keyhold.ctx.container.close();
}

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor();

/** Fills and submits the sign-in form; resolves with the answer to the login request it sent. */
async function signIn(page: Page, email: string, password: string): Promise<Response> {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  const answered = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/login'));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  return answered;
}

describe('the hosted account pages in Chromium', () => {
  useTestDatabase();
  let browser: Browser;
  let mailbox: TestMailbox;
  let keyhold: Awaited<ReturnType<typeof startKeyhold>>;
  let origin: string;

  beforeAll(async () => {
    mailbox = await startMailbox();
    // No APP_URL: the default, PUBLIC_URL + /account, is what this suite proves works.
    const { APP_URL: _frontend, ...mailEnv } = MAIL_TEST_ENV;
    keyhold = await startKeyhold({ ...mailEnv, SMTP_URL: mailbox.url, LOGIN_MAX_FAILURES: String(LOGIN_MAX_FAILURES) });
    keyhold.ctx.container.jobs.outbox.start();
    origin = keyhold.origin;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await keyhold?.ctx.container.jobs.outbox.stop(0);
    await stopKeyhold(keyhold);
    await mailbox?.stop();
  });

  /** No URL the page created, and no Referer it sent, carries a mailed token; only the mail links themselves do. */
  function expectNoTokenLeak({ recorded }: RecordedPage, mailLinks: string[]): void {
    const tokens = mailLinks.map((link) => new URL(link).searchParams.get('token')!);
    const created = recorded.navigated.filter((url) => !mailLinks.includes(url));
    const requested = recorded.requests.filter((request) => !mailLinks.includes(request.url));
    for (const token of tokens) {
      expect(created.filter((url) => url.includes(token))).toEqual([]);
      expect(requested.filter((request) => request.url.includes(token) || request.referer?.includes(token))).toEqual([]);
    }
    expect(recorded.requests.filter((request) => request.url.includes('eyJ'))).toEqual([]);
    expect(recorded.requests.every((request) => request.url.startsWith(origin))).toBe(true);
  }

  it('when a new user walks the whole journey, then each step works: sign up, verify, sign in, MFA, sign out, code, revoke, reset', async () => {
    const recordedPage = await openRecordedPage(browser);
    const { page } = recordedPage;
    const email = uniqueEmail('journey');
    const password = 'a long journey passphrase 42';
    const newPassword = 'an even longer journey passphrase 43';
    const mailLinks: string[] = [];

    // Sign up
    const shell = await page.goto(`${origin}/account/`);
    expect(shell?.headers()['content-security-policy']).toContain("script-src 'self'");
    await heading(page, 'Sign in');
    await checkPage(page, 'sign-in');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await heading(page, 'Create an account');
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password').fill(password);
    await checkPage(page, 'sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading(page, 'Check your inbox');

    // The mail link: verified, and the token gone from the address bar
    const verifyLink = mailLinkOf(await mailbox.waitFor(email, /Confirm your e-mail/), 'verify-email');
    mailLinks.push(verifyLink);
    expect(verifyLink.startsWith(`${origin}/account/verify-email?token=`)).toBe(true);
    await page.goto(verifyLink);
    await heading(page, 'Address confirmed');
    expect(page.url()).toBe(`${origin}/account/verify-email`);
    expect((await UserModel.findOne({ email }).lean())?.emailVerified).toBe(true);
    await checkPage(page, 'verify-email');

    // Another device signs in, to be revoked later
    const other = await fetch(`${origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': FIREFOX_ON_WINDOWS },
      body: JSON.stringify({ email, password }),
    });
    const otherSessionId = ((await other.json()) as { data: { session: { id: string } } }).data.session.id;

    // Sign in by keyboard alone: the heading has focus, Tab reaches the e-mail field, Enter submits
    await page.goto(`${origin}/account/`);
    await heading(page, 'Sign in');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await heading(page, 'Your account');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Your account');
    const sessions = page.getByRole('region', { name: 'Where you are signed in' });
    await sessions.getByText('This device').waitFor();
    await sessions.getByText(/^Firefox .*on Windows/).waitFor();
    await checkPage(page, 'account');
    await checkPage(page, 'sessions', sessions);

    // Enrol MFA: QR code drawn in the page, a code from the app, recovery codes shown once
    const twoStep = page.getByRole('region', { name: 'Two-step verification' });
    await twoStep.getByLabel('Password').fill(password);
    await twoStep.getByRole('button', { name: 'Set up two-step verification' }).click();
    await twoStep.getByRole('img', { name: /QR code/ }).waitFor();
    const secret = (await twoStep.locator('.secret').textContent())!;
    await checkPage(page, 'mfa-enrolment', twoStep);
    await twoStep.getByLabel('Authentication code').fill(totpCode(secret));
    await twoStep.getByRole('button', { name: 'Turn on' }).click();
    const recoveryList = twoStep.getByRole('list', { name: 'Recovery codes' });
    await recoveryList.waitFor();
    const recoveryCodes = await recoveryList.locator('code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    expect((await UserModel.findOne({ email }).lean())?.mfaEnabled).toBe(true);
    await checkPage(page, 'recovery-codes', twoStep);
    await twoStep.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await page.getByRole('region', { name: 'Two-step verification' }).getByText('Two-step verification is on.').waitFor();

    // Sign out: the session ends on the server
    const user = await UserModel.findOne({ email }).lean();
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await heading(page, 'Sign in');
    await page.getByText('You are signed out.').waitFor();
    const active = await SessionModel.find({ userId: user!._id, revokedAt: null }).lean();
    expect(active.map((session) => String(session._id))).toEqual([otherSessionId]);

    // Sign in with a code: a wrong one is announced, the right one signs in
    await signIn(page, email, password);
    await heading(page, 'Two-step verification');
    await checkPage(page, 'mfa-step');
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not right' }).waitFor();
    await page.getByLabel('Authentication code').fill(totpCode(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, 'Your account');

    // Revoke the other device
    await sessions.getByRole('button', { name: /^Sign out Firefox/ }).click();
    await sessions.getByText(/is signed out\.$/).waitFor();
    expect((await SessionModel.findById(otherSessionId).lean())?.revokedAt).not.toBeNull();
    expect(await sessions.locator('li').count()).toBe(1);

    // Reset the password from the mail link
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByLabel('E-mail address').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('status').filter({ hasText: 'If an account uses this address' }).waitFor();
    await checkPage(page, 'forgot-password');
    const resetLink = mailLinkOf(await mailbox.waitFor(email, /Reset your password/), 'reset-password');
    mailLinks.push(resetLink);
    await page.goto(resetLink);
    await heading(page, 'Choose a new password');
    expect(page.url()).toBe(`${origin}/account/reset-password`);
    await checkPage(page, 'reset-password');
    await page.getByLabel('New password').fill(newPassword);
    await page.getByRole('button', { name: 'Set new password' }).click();
    await heading(page, 'Password changed');
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await signIn(page, email, newPassword);
    await page.getByLabel('Authentication code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, 'Your account');

    // Sign out everywhere: every session of the account ends
    await page.getByRole('button', { name: 'Sign out everywhere' }).click();
    await heading(page, 'Sign in');
    expect(await SessionModel.countDocuments({ userId: user!._id, revokedAt: null })).toBe(0);

    expectNoTokenLeak(recordedPage, mailLinks);
    await page.context().close();
  }, 120_000);

  it('when a signed-in user changes name, password and address and then reverts the address from the old inbox, then each change is stored', async () => {
    const recordedPage = await openRecordedPage(browser);
    const { page } = recordedPage;
    const user = await buildUser(keyhold.ctx.container, { name: 'Grace' });
    const newPassword = 'a freshly chosen passphrase 46';
    const newEmail = uniqueEmail('moved');
    const otherDevice = await fetch(`${origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(otherDevice.status).toBe(200);
    await page.goto(`${origin}/account/`);
    await signIn(page, user.email, user.password);
    await heading(page, 'Your account');

    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('Name').fill('Grace Hopper');
    await profile.getByRole('button', { name: 'Save name' }).click();
    await profile.getByRole('status').filter({ hasText: 'Your name is saved.' }).waitFor();
    expect((await UserModel.findById(user.id).lean())?.name).toBe('Grace Hopper');

    const passwordSection = page.getByRole('region', { name: 'Password' });
    await passwordSection.getByLabel('Current password').fill('not my current password');
    await passwordSection.getByLabel('New password').fill(newPassword);
    await passwordSection.getByRole('button', { name: 'Change password' }).click();
    await passwordSection.getByRole('alert').filter({ hasText: 'Your current password is not right.' }).waitFor();
    await passwordSection.getByLabel('Current password').fill(user.password);
    await passwordSection.getByRole('button', { name: 'Change password' }).click();
    await passwordSection.getByRole('status').filter({ hasText: 'Every other device was signed out.' }).waitFor();
    expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(1);

    const emailSection = page.getByRole('region', { name: 'E-mail address' });
    await emailSection.getByLabel('New e-mail address').fill(newEmail);
    await emailSection.getByLabel('Password').fill(newPassword);
    await emailSection.getByRole('button', { name: 'Change address' }).click();
    await emailSection
      .getByRole('status')
      .filter({ hasText: `We sent a link to ${newEmail}.` })
      .waitFor();
    await checkPage(page, 'settings-changed');

    const confirmLink = mailLinkOf(await mailbox.waitFor(newEmail, /Confirm your new e-mail/), 'verify-email');
    const revertLink = mailLinkOf(await mailbox.waitFor(user.email, /being changed/), 'revert-email');
    await page.goto(confirmLink);
    await heading(page, 'Address confirmed');
    expect((await UserModel.findById(user.id).lean())?.email).toBe(newEmail);

    await page.goto(revertLink);
    await heading(page, 'Restore your address');
    expect(page.url()).toBe(`${origin}/account/revert-email`);
    await checkPage(page, 'revert-email');
    await page.getByRole('button', { name: 'Restore my previous address' }).click();
    await heading(page, 'Address restored');

    expect((await UserModel.findById(user.id).lean())?.email).toBe(user.email);
    expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
    expectNoTokenLeak(recordedPage, [confirmLink, revertLink]);
    await page.context().close();
  }, 60_000);

  describe('when something goes wrong, then the page says what, in the words of the contract, in a live region', () => {
    let recordedPage: RecordedPage;
    beforeEach(async () => {
      recordedPage = await openRecordedPage(browser);
    });
    afterEach(() => recordedPage.page.context().close());

    async function verificationLinkOfNewAccount(): Promise<{ email: string; link: string }> {
      const email = uniqueEmail('link');
      await fetch(`${origin}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: 'a long enough passphrase 44' }),
      });
      return { email, link: mailLinkOf(await mailbox.waitFor(email, /Confirm your e-mail/), 'verify-email') };
    }

    it('when a confirmation link is opened a second time, then it is called used or expired, not a blank page', async () => {
      const { page } = recordedPage;
      const { link } = await verificationLinkOfNewAccount();
      await page.goto(link);
      await heading(page, 'Address confirmed');

      await page.goto(link);
      await heading(page, 'Address not confirmed');
      await page.getByRole('alert').filter({ hasText: 'This confirmation link has expired or was already used' }).waitFor();
      expect(page.url()).toBe(`${origin}/account/verify-email`);
      await checkPage(page, 'link-used');
    });

    it('when a reset link has expired, then the form says so and the password is unchanged', async () => {
      const { page } = recordedPage;
      const user = await buildUser(keyhold.ctx.container);
      await fetch(`${origin}/api/v1/auth/password/forgot`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: user.email }),
      });
      const link = mailLinkOf(await mailbox.waitFor(user.email, /Reset your password/), 'reset-password');
      const before = await UserModel.findById(user.id).lean();
      await AccountTokenModel.updateMany({ userId: user.id, purpose: 'password_reset' }, { expiresAt: new Date(Date.now() - 1000) });

      await page.goto(link);
      await page.getByLabel('New password').fill('a new long passphrase 45');
      await page.getByRole('button', { name: 'Set new password' }).click();

      await page.getByRole('alert').filter({ hasText: 'This password-reset link has expired or was already used' }).waitFor();
      expect((await UserModel.findById(user.id).lean())?.passwordHash).toBe(before?.passwordHash);
      await checkPage(page, 'link-expired');
      expectNoTokenLeak(recordedPage, [link]);
    });

    it('when an account is locked after wrong passwords, then the page says when to try again (RATE_LIMITED with Retry-After)', async () => {
      const { page } = recordedPage;
      const user = await buildUser(keyhold.ctx.container);
      await page.goto(`${origin}/account/`);
      await heading(page, 'Sign in');
      // From half the allowed failures on, each failure imposes a short wait (429, a few seconds), which the
      // page announces in seconds and the test waits out; the last allowed failure locks the account.
      const retryMessage = (seconds: number) =>
        `Too many attempts. For your safety, try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
      let failures = 0;
      while (failures < LOGIN_MAX_FAILURES) {
        const answer = await signIn(page, user.email, 'not the password at all');
        if (answer.status() === 401) {
          failures += 1;
          await page.getByRole('alert').filter({ hasText: 'That e-mail address and password do not match an account.' }).waitFor();
          continue;
        }
        expect(answer.status()).toBe(429);
        const seconds = Number(answer.headers()['retry-after']);
        await page
          .getByRole('alert')
          .filter({ hasText: retryMessage(seconds) })
          .waitFor();
        await page.waitForTimeout(seconds * 1000 + 100);
      }

      const locked = await signIn(page, user.email, user.password);

      expect(locked.status()).toBe(429);
      const minutes = Math.ceil(Number(locked.headers()['retry-after']) / 60);
      expect(minutes).toBeGreaterThan(1);
      await page
        .getByRole('alert')
        .filter({ hasText: `Too many attempts. For your safety, try again in ${minutes} minutes.` })
        .waitFor();
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
      await checkPage(page, 'locked');
    });

    it('when a field is refused, then its message sits next to it and focus moves there', async () => {
      const { page } = recordedPage;
      await page.goto(`${origin}/account/`);
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('E-mail address').fill(uniqueEmail('short'));
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: 'Create account' }).click();

      const password = page.getByLabel('Password');
      await page.getByRole('alert').filter({ hasText: 'Some fields need another look.' }).waitFor();
      expect(await password.getAttribute('aria-invalid')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('password');
      const describedBy = (await password.getAttribute('aria-describedby'))!.split(' ');
      const fieldError = await page.locator(`[id="${describedBy.at(-1)}"]`).textContent();
      expect(fieldError).toMatch(/12/);
      await checkPage(page, 'field-errors');
    });
  });
});

/**
 * BUSY needs saturated password hashing: one hashing thread, a slow cost, and a hash already running
 * when the page signs in. The running hash takes seconds, the sign-in reaches the queue in milliseconds,
 * so the window is wide, and the answer is immediate (the bound says the job cannot start in time).
 */
describe('the hosted account pages when password checks are saturated', () => {
  useTestDatabase();
  let browser: Browser;
  let keyhold: Awaited<ReturnType<typeof startKeyhold>>;

  beforeAll(async () => {
    keyhold = await startKeyhold({ PASSWORD_HASH_WORKERS: '1', BCRYPT_COST: '14', PASSWORD_HASH_MAX_WAIT: '1s' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stopKeyhold(keyhold);
  });

  it('when a sign-in answers 503 BUSY, then the page says the service is busy and when to retry', async () => {
    const { hasher } = keyhold.ctx.container;
    // Set-up hashes wait for the hashing the service does at start-up, or the bound would refuse them.
    await eventually(async () => hasher.stats().running + hasher.stats().queued === 0, 30_000);
    const user = await buildUser(keyhold.ctx.container);
    const { page } = await openRecordedPage(browser);
    await page.goto(`${keyhold.origin}/account/`);
    await heading(page, 'Sign in');
    const busyResponse = page.waitForResponse((response) => response.url().endsWith('/api/v1/auth/login'));
    const running = hasher.hash('keeps the only hashing thread busy');

    await signIn(page, user.email, user.password);

    const response = await busyResponse;
    expect(response.status()).toBe(503);
    const retryAfter = Number(response.headers()['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    await page
      .getByRole('alert')
      .filter({ hasText: `The service is busy right now. Please try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.` })
      .waitFor();
    await checkPage(page, 'busy');
    await running;
    await page.context().close();
  }, 60_000);
});

/** With REQUIRE_VERIFIED_EMAIL, an unconfirmed account is refused at sign-in and offered a new link there. */
describe('the hosted account pages when addresses must be confirmed', () => {
  useTestDatabase();
  let browser: Browser;
  let mailbox: TestMailbox;
  let keyhold: Awaited<ReturnType<typeof startKeyhold>>;

  beforeAll(async () => {
    mailbox = await startMailbox();
    const { APP_URL: _frontend, ...mailEnv } = MAIL_TEST_ENV;
    keyhold = await startKeyhold({ ...mailEnv, SMTP_URL: mailbox.url, REQUIRE_VERIFIED_EMAIL: 'true' });
    keyhold.ctx.container.jobs.outbox.start();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await keyhold?.ctx.container.jobs.outbox.stop(0);
    await stopKeyhold(keyhold);
    await mailbox?.stop();
  });

  it('when an unconfirmed account signs in, then EMAIL_NOT_VERIFIED is explained and a new link can be sent from there', async () => {
    const { page } = await openRecordedPage(browser);
    const user = await buildUser(keyhold.ctx.container);
    await page.goto(`${keyhold.origin}/account/`);

    expect((await signIn(page, user.email, user.password)).status()).toBe(403);
    await page.getByRole('alert').filter({ hasText: 'Please confirm your e-mail address first' }).waitFor();
    await page.getByRole('button', { name: 'Send the confirmation link again' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `If ${user.email} has an account waiting for confirmation` })
      .waitFor();
    await checkPage(page, 'unconfirmed');

    const link = mailLinkOf(await mailbox.waitFor(user.email, /Confirm your e-mail/), 'verify-email');
    await page.goto(link);
    await heading(page, 'Address confirmed');
    await page.getByRole('link', { name: 'Go to your account' }).click();
    await signIn(page, user.email, user.password);
    await heading(page, 'Your account');
    await page.context().close();
  }, 60_000);
});
