import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { RefreshTokenModel } from '../../src/modules/sessions/refresh-token.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { findFreePort } from '../../scripts/lib/processes';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser';
import { createTestClock, createTestContext, type TestContext } from '../support/context';
import { useTestDatabase } from '../support/database';
import { buildUser, type TestUser } from '../support/factories';

const CALLS_PER_TAB = 10;
const ACCESS_TTL_MS = 5 * 60_000;

declare global {
  interface Window {
    keyhold: import('../../packages/client/src').KeyholdClient;
    seen: { name: string; payload: unknown; lockFree: Promise<boolean> | undefined }[];
  }
}

/** The browser bundle, built as packages/client/scripts/build.mjs builds it. */
async function browserBundle(): Promise<string> {
  const entry = path.resolve(__dirname, '../../packages/client/src/index.ts');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    platform: 'browser',
    write: false,
  });
  return result.outputFiles[0]!.text;
}

/** The frontend: a page on its own origin of the same site as the API (localhost, another port). */
async function serveFrontend(port: number, bundle: string): Promise<http.Server> {
  const page = `<!doctype html><title>app</title><script type="module">
    import * as Keyhold from '/keyhold-client.browser.js';
    window.Keyhold = Keyhold;
    document.title = 'ready';
  </script>`;
  const server = http.createServer((req, res) => {
    if (req.url === '/keyhold-client.browser.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const close = (server: http.Server | undefined) => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));

describe('@keyhold/client in Chromium: one refresh for every call of every tab', () => {
  useTestDatabase();
  const clock = createTestClock();
  let ctx: TestContext;
  let api: http.Server;
  let frontend: http.Server;
  let browser: Browser;
  let apiOrigin: string;
  let appOrigin: string;
  let user: TestUser;
  /** Refreshes the API received, counted on the server. */
  let refreshes = 0;
  let gate: { opened: Promise<void>; unauthorized(): void } | undefined;

  /**
   * Holds every refresh until `count` calls have been answered 401: then every call of every tab has failed
   * before any refresh ends, the widest window for tabs to refresh twice. The timeout is a liveness bound.
   */
  function holdRefreshesUntilUnauthorized(count: number): void {
    let remaining = count;
    let open = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    const timer = setTimeout(open, 10_000);
    gate = { opened, unauthorized: () => (remaining -= 1) === 0 && (clearTimeout(timer), open()) };
    void opened.then(() => (gate = undefined));
  }

  beforeAll(async () => {
    const [apiPort, appPort] = [await findFreePort(), await findFreePort()];
    apiOrigin = `http://localhost:${apiPort}`;
    appOrigin = `http://localhost:${appPort}`;
    frontend = await serveFrontend(appPort, await browserBundle());
    ctx = createTestContext({ CORS_ORIGINS: appOrigin }, { clock: clock.now });
    api = http.createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/api/v1/auth/refresh') {
        res.on('finish', () => res.statusCode === 401 && gate?.unauthorized());
        return ctx.app(req, res);
      }
      refreshes += 1;
      if (gate) void gate.opened.then(() => ctx.app(req, res));
      else ctx.app(req, res);
    });
    await new Promise<void>((resolve) => api.listen(apiPort, '127.0.0.1', resolve));
    // http://localhost is a secure context, which Web Locks need.
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP localhost 127.0.0.1'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await close(api);
    await close(frontend);
    await ctx?.container.close();
  });

  beforeEach(async () => {
    user = await buildUser(ctx.container);
  });

  /** A tab of `context` with the bundle loaded and a client whose events are recorded in `window.seen`. */
  async function openTab(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(appOrigin);
    await page.waitForFunction(() => document.title === 'ready');
    await page.evaluate((baseUrl) => {
      const keyhold = (window as unknown as { Keyhold: typeof import('../../packages/client/src') }).Keyhold;
      window.keyhold = keyhold.createKeyholdClient({ baseUrl });
      window.seen = [];
      for (const name of ['signedIn', 'signedOut', 'tokenRefreshed'] as const) {
        window.keyhold.on(name, (payload) => {
          // Granted at once unless someone holds the refresh lock: a listener run inside it would get null.
          const lockFree = navigator.locks?.request(`keyhold-refresh:${baseUrl}`, { ifAvailable: true }, (lock) => lock !== null);
          window.seen.push({ name, payload, lockFree });
        });
      }
    }, apiOrigin);
    return page;
  }

  async function signIn(page: Page): Promise<string> {
    return page.evaluate(async ({ email, password }) => {
      const result = await window.keyhold.login({ email, password });
      if (result.status !== 'signedIn') throw new Error(result.status);
      return result.session.id;
    }, user);
  }

  /** Fires CALLS_PER_TAB calls at once in the tab; resolves to each one's outcome. */
  function callsInParallel(page: Page): Promise<string[]> {
    return page.evaluate(async (count) => {
      const calls = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? window.keyhold.me() : window.keyhold.listSessions()));
      const outcomes = await Promise.allSettled(calls);
      return outcomes.map((outcome) =>
        outcome.status === 'fulfilled' ? 'ok' : ((outcome.reason as { code?: string }).code ?? String(outcome.reason)),
      );
    }, CALLS_PER_TAB);
  }

  const eventsOf = (page: Page) => page.evaluate(() => window.seen.map((event) => event.name));

  it('when two tabs hold an expired token and each fires 10 calls at once, then exactly one refresh serves all 20 and the session lives on', async () => {
    const context = await browser.newContext();
    const [first, second] = [await openTab(context), await openTab(context)];
    const sessionId = await signIn(first);
    // The second tab learnt the sign-in from the first, without a request of its own.
    expect(await second.evaluate(() => window.keyhold.signedIn)).toBe(true);
    clock.advance(ACCESS_TTL_MS + 1000);
    const before = refreshes;
    holdRefreshesUntilUnauthorized(2 * CALLS_PER_TAB);

    const [fromFirst, fromSecond] = await Promise.all([callsInParallel(first), callsInParallel(second)]);

    expect([...fromFirst, ...fromSecond]).toEqual(Array(2 * CALLS_PER_TAB).fill('ok'));
    expect(refreshes - before).toBe(1);
    expect(await SessionModel.findById(sessionId).lean()).toMatchObject({ revokedAt: null });
    const tokens = await RefreshTokenModel.find({ sessionId }).lean();
    expect(tokens.map((token) => token.usedAt === null).sort()).toEqual([false, true]);
    // Each tab heard of the one new token once: its own refresh, or the other tab's.
    expect(await eventsOf(first)).toEqual(['signedIn', 'tokenRefreshed']);
    expect(await eventsOf(second)).toEqual(['signedIn', 'tokenRefreshed']);
    await context.close();
  });

  it('when a new tab opens beside a signed-in one, then restore() signs it in and the access token is nowhere in storage', async () => {
    const context = await browser.newContext();
    const first = await openTab(context);
    const sessionId = await signIn(first);
    const before = refreshes;
    const late = await openTab(context);

    const restored = await late.evaluate(() => window.keyhold.restore());

    expect(restored).toMatchObject({ status: 'signedIn', session: { id: sessionId } });
    expect(refreshes - before).toBe(1);
    // Its listeners ran after the refresh lock was released (no other tab asked for the lock meanwhile).
    expect(await eventsOf(late)).toEqual(['tokenRefreshed', 'signedIn']);
    expect(await late.evaluate(() => Promise.all(window.seen.map((event) => event.lockFree)))).toEqual([true, true]);
    const storage = await late.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
    expect(storage).toEqual({ local: 0, session: 0, cookie: '' });
    await context.close();
  });

  it('when the session was revoked and both tabs call with an expired token, then one refresh is tried and each tab signs out once', async () => {
    const context = await browser.newContext();
    const [first, second] = [await openTab(context), await openTab(context)];
    const sessionId = await signIn(first);
    await SessionModel.updateOne({ _id: sessionId }, { revokedAt: new Date() });
    clock.advance(ACCESS_TTL_MS + 1000);
    const before = refreshes;
    holdRefreshesUntilUnauthorized(2 * CALLS_PER_TAB);

    const [fromFirst, fromSecond] = await Promise.all([callsInParallel(first), callsInParallel(second)]);

    expect([...fromFirst, ...fromSecond]).toEqual(Array(2 * CALLS_PER_TAB).fill('TOKEN_EXPIRED'));
    expect(refreshes - before).toBe(1);
    for (const tab of [first, second]) {
      expect((await eventsOf(tab)).filter((name) => name === 'signedOut')).toHaveLength(1);
      expect(await tab.evaluate(() => window.keyhold.signedIn)).toBe(false);
    }
    // Signed out: a later call is refused without another refresh, in either tab.
    expect(await callsInParallel(second)).toEqual(Array(CALLS_PER_TAB).fill('UNAUTHENTICATED'));
    expect(refreshes - before).toBe(1);
    await context.close();
  });

  it('when Web Locks are missing, then a tab still refreshes once for all its calls, and a refused refresh signs it out without a loop', async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      delete (Navigator.prototype as { locks?: unknown }).locks;
    });
    const tab = await openTab(context);
    expect(await tab.evaluate(() => 'locks' in navigator)).toBe(false);
    const sessionId = await signIn(tab);
    clock.advance(ACCESS_TTL_MS + 1000);
    const before = refreshes;

    expect(await callsInParallel(tab)).toEqual(Array(CALLS_PER_TAB).fill('ok'));
    expect(refreshes - before).toBe(1);

    await SessionModel.updateOne({ _id: sessionId }, { revokedAt: new Date() });
    clock.advance(ACCESS_TTL_MS + 1000);
    expect(await callsInParallel(tab)).toEqual(Array(CALLS_PER_TAB).fill('TOKEN_EXPIRED'));
    expect(await callsInParallel(tab)).toEqual(Array(CALLS_PER_TAB).fill('UNAUTHENTICATED'));
    expect(refreshes - before).toBe(2);
    expect(await eventsOf(tab)).toEqual(['signedIn', 'tokenRefreshed', 'signedOut']);
    await context.close();
  });
});
