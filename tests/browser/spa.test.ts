import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashRefreshToken } from '../../src/modules/sessions/refresh-token';
import { RefreshTokenModel } from '../../src/modules/sessions/refresh-token.model';
import { findFreePort } from '../../scripts/lib/processes';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser';
import { useTestDatabase } from '../support/database';
import { createTestContext, type TestContext } from '../support/context';
import { buildUser, type TestUser } from '../support/factories';

const ACCESS_TTL_MS = 2000;

/** A static page server standing in for a frontend on its own origin. */
async function serveSpa(html: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function listen(ctx: TestContext, port: number): Promise<http.Server> {
  const server = ctx.app.listen(port, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

describe('a single-page app in Chromium', () => {
  useTestDatabase();
  let browser: Browser;
  let ctx: TestContext;
  let api: http.Server;
  let apiOrigin: string;
  let spa: Awaited<ReturnType<typeof serveSpa>>;
  let foreign: Awaited<ReturnType<typeof serveSpa>>;
  let user: TestUser;

  beforeAll(async () => {
    spa = await serveSpa('<!doctype html><title>spa</title><p>allowed frontend</p>');
    const apiPort = await findFreePort();
    apiOrigin = `http://127.0.0.1:${apiPort}`;
    foreign = await serveSpa(
      `<!doctype html><title>evil</title><form id="f" method="POST" action="${apiOrigin}/api/v1/auth/refresh"><input name="a" value="1"></form>`,
    );
    ctx = createTestContext({ CORS_ORIGINS: spa.origin, JWT_ACCESS_TTL: `${ACCESS_TTL_MS}ms` });
    api = await listen(ctx, apiPort);
    user = await buildUser(ctx.container);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => api?.close(resolve));
    await spa?.close();
    await foreign?.close();
    await ctx?.container.close();
  });

  /** Signs the test user in from inside the page, as the SPA would; the browser keeps the cookie. */
  async function signInFrom(page: Page): Promise<void> {
    await page.evaluate(
      async ({ api, email, password }) => {
        await fetch(`${api}/api/v1/auth/login`, {
          method: 'POST',
          credentials: 'include',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
      },
      { api: apiOrigin, email: user.email, password: user.password },
    );
  }

  async function openPage(origin: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(origin);
    return page;
  }

  it('when the allowed frontend signs in, calls, refreshes through the HttpOnly cookie and signs out, then each step works', async () => {
    const page = await openPage(spa.origin);

    const flow = await page.evaluate(
      async ({ api, email, password, ttl }) => {
        const json = { 'Content-Type': 'application/json' };
        const login = await fetch(`${api}/api/v1/auth/login`, {
          method: 'POST',
          credentials: 'include',
          headers: json,
          body: JSON.stringify({ email, password }),
        });
        const { data } = await login.json();
        const me = await fetch(`${api}/api/v1/me`, { headers: { Authorization: `Bearer ${data.accessToken}` } });
        await new Promise((resolve) => setTimeout(resolve, ttl + 1200));
        const expired = await fetch(`${api}/api/v1/me`, { headers: { Authorization: `Bearer ${data.accessToken}` } });
        const refresh = await fetch(`${api}/api/v1/auth/refresh`, { method: 'POST', credentials: 'include', headers: json });
        const refreshed = await refresh.json();
        const meAgain = await fetch(`${api}/api/v1/me`, { headers: { Authorization: `Bearer ${refreshed.data.accessToken}` } });
        const cookieVisibleToScript = document.cookie;
        const logout = await fetch(`${api}/api/v1/auth/logout`, { method: 'POST', credentials: 'include', headers: json });
        const refreshAfterLogout = await fetch(`${api}/api/v1/auth/refresh`, { method: 'POST', credentials: 'include', headers: json });
        return {
          login: login.status,
          me: me.status,
          expired: [expired.status, (await expired.json()).code],
          refresh: refresh.status,
          meAgain: meAgain.status,
          cookieVisibleToScript,
          logout: logout.status,
          refreshAfterLogout: [refreshAfterLogout.status, (await refreshAfterLogout.json()).code],
        };
      },
      { api: apiOrigin, email: user.email, password: user.password, ttl: ACCESS_TTL_MS },
    );

    expect(flow).toEqual({
      login: 200,
      me: 200,
      expired: [401, 'TOKEN_EXPIRED'],
      refresh: 200,
      meAgain: 200,
      cookieVisibleToScript: '',
      logout: 204,
      refreshAfterLogout: [401, 'REFRESH_TOKEN_INVALID'],
    });
  });

  it('when the browser holds the refresh and device cookies, then both are HttpOnly and scoped to the auth path', async () => {
    const page = await openPage(spa.origin);
    await signInFrom(page);
    const cookies = await page.context().cookies(apiOrigin + '/api/v1/auth/refresh');
    const scoped = { httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' };
    expect(cookies.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      expect.objectContaining({ name: 'deviceToken', ...scoped }),
      expect.objectContaining({ name: 'refreshToken', ...scoped }),
    ]);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('when a page from an origin not on the allow-list calls the API, then CORS refuses it', async () => {
    const page = await openPage(foreign.origin);
    const outcome = await page.evaluate(
      async ({ api, email, password }) => {
        try {
          await fetch(`${api}/api/v1/auth/login`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ email, password }),
          });
          return 'allowed';
        } catch (error) {
          return `refused: ${(error as Error).name}`;
        }
      },
      { api: apiOrigin, email: user.email, password: user.password },
    );
    expect(outcome).toBe('refused: TypeError');
  });

  it('when a cross-origin HTML form auto-submits to /auth/refresh, then 403 CSRF_REJECTED and nothing rotates', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(spa.origin);
    await signInFrom(page);
    const [cookie] = await context.cookies(`${apiOrigin}/api/v1/auth/refresh`);
    const before = await RefreshTokenModel.findById(hashRefreshToken(cookie!.value)).lean();

    await page.goto(foreign.origin);
    const [response] = await Promise.all([
      page.waitForResponse(`${apiOrigin}/api/v1/auth/refresh`),
      page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit()),
    ]);

    expect(response.status()).toBe(403);
    expect((await response.json()).code).toBe('CSRF_REJECTED');
    const after = await RefreshTokenModel.findById(hashRefreshToken(cookie!.value)).lean();
    expect(before?.usedAt).toBeNull();
    expect(after?.usedAt).toBeNull();
  });
});
