import type { OAuth2Server } from 'oauth2-mock-server';
import { findFreePort } from '../../scripts/lib/processes';
import { startOwnDatabase, type OwnDatabase } from '../support/own-database';
import { waitForStatus } from '../support/http-client';
import {
  exchangeCode,
  locationOf,
  nextIdentity,
  OIDC_TEST_APP_URL,
  providerEnv,
  signInAtProvider,
  startTestProvider,
  TestBrowser,
  visitProvider,
} from '../support/oidc';
import { startServerProcess, type ServerProcess } from '../support/server-process';

jest.setTimeout(120_000);

/** A liveness bound with margin for a shared two-core machine (the service aims at about 1.5 s). */
const UNAVAILABLE_BOUND_MS = 6000;

async function expectUnavailable(response: Promise<Response>): Promise<void> {
  const started = Date.now();
  const answer = await response;
  expect(answer.status).toBe(503);
  expect((await answer.json()).code).toBe('SERVICE_UNAVAILABLE');
  expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(Date.now() - started).toBeLessThan(UNAVAILABLE_BOUND_MS);
}

describe('OIDC sign-in when the database fails under a running service', () => {
  let database: OwnDatabase;
  let idp: OAuth2Server;
  let server: ServerProcess;
  const ctx = { url: '' };

  beforeAll(async () => {
    database = await startOwnDatabase();
    idp = await startTestProvider();
    const port = await findFreePort();
    ctx.url = `http://127.0.0.1:${port}`;
    server = await startServerProcess({
      MONGODB_URI: `${database.uri}/keyhold_oidc_faults`,
      PORT: String(port),
      PUBLIC_URL: ctx.url,
      APP_URL: OIDC_TEST_APP_URL,
      OIDC_PROVIDERS: 'acme',
      ...providerEnv('acme', idp.issuer.url!),
    });
  });
  afterAll(async () => {
    await server?.kill();
    await idp?.stop();
    await database?.kill();
  });

  it('when the database is down mid sign-in, then start, callback and exchange answer 503 at once and the provider is not asked; when it is back, then sign-in works again', async () => {
    const browser = new TestBrowser();
    const callbackUrl = await visitProvider(locationOf(await browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`)));
    let tokenRequests = 0;
    const countTokenRequests = () => void (tokenRequests += 1);
    idp.service.on('beforeResponse', countTokenRequests);

    await database.kill();
    // At once, before the service has noticed: the first command on a pooled connection the server has
    // just closed fails with a raw socket error (EPIPE) that must count as an outage too (src/db/errors.ts).
    await expectUnavailable(browser.fetch(callbackUrl.href));
    await expectUnavailable(browser.fetch(`${ctx.url}/api/v1/auth/oauth/acme/start`));
    await expectUnavailable(exchangeCode(ctx, browser, 'any-code'));
    expect(tokenRequests).toBe(0);
    idp.service.off('beforeResponse', countTokenRequests);

    await database.restart();
    await waitForStatus(ctx.url, '/readyz', 200);
    nextIdentity(idp, { sub: 'after-outage', email: 'after.outage@example.test', email_verified: true });
    const { completion } = await signInAtProvider(ctx, browser, 'acme');
    expect((await exchangeCode(ctx, browser, completion.searchParams.get('code')!)).status).toBe(200);
  });
});
