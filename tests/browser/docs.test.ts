import http from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findFreePort } from '../../scripts/lib/processes';
import { RefreshTokenModel } from '../../src/modules/sessions/refresh-token.model';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/browser';
import { useTestDatabase } from '../support/database';
import { createTestContext, type TestContext } from '../support/context';

/*
 * The interactive reference as a developer opens it on a machine that is not localhost: Chromium treats
 * all of 127.0.0.0/8 as a secure context, so the page is opened through a name mapped to loopback.
 */
const HOST = 'keyhold.test';

describe('GET /docs in Chromium, opened through a non-localhost name', () => {
  useTestDatabase();
  let browser: Browser;
  let ctx: TestContext;
  let server: http.Server;
  let origin: string;

  beforeAll(async () => {
    const port = await findFreePort();
    origin = `http://${HOST}:${port}`;
    ctx = createTestContext();
    server = ctx.app.listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await ctx?.container.close();
  });

  /** Expands an operation, presses "Try it out" and "Execute" with its example body, and returns the status shown. */
  async function tryItOut(page: Page, operationId: string): Promise<string> {
    const operation = page.locator(`[id$="-${operationId}"]`);
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor({ timeout: 15_000 });
    return (await status.first().innerText()).trim();
  }

  it('when a developer opens it over plain http, then it renders and Try it out registers, signs in and refreshes through the cookie', async () => {
    const page = await (await browser.newContext()).newPage();
    const failedRequests: string[] = [];
    page.on('requestfailed', (request) => failedRequests.push(request.url()));

    await page.goto(`${origin}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 15_000 });

    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('Keyhold API');
    expect(failedRequests).toEqual([]);
    expect(await tryItOut(page, 'register')).toBe('201');
    expect(await tryItOut(page, 'login')).toBe('200');
    expect(await tryItOut(page, 'refresh')).toBe('200');
    const user = await UserModel.findOne({ email: 'ada@example.com' }).lean();
    expect(user).not.toBeNull();
    expect(await SessionModel.countDocuments({ userId: user!._id, revokedAt: null })).toBe(1);
    expect(await RefreshTokenModel.countDocuments({ userId: user!._id })).toBeGreaterThanOrEqual(1);
  });
});
