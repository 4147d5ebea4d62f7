import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { renderError } from '../../../middleware/error-handler';
import { createTestContext, useTestApp } from '../../../../tests/support/context';
import { defaultBundleDir } from '../account-pages.bundle';
import { createAccountPagesRouter } from '../account-pages.routes';

const SHELL = '<!doctype html><title>t</title><script type="module" src="/account/assets/app-ABC123.js"></script>';

/** A bundle as `npm run build:pages` lays it out, with content the test can recognise. */
function writeBundle(dir: string, script = 'console.log(1);'): void {
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), SHELL);
  fs.writeFileSync(path.join(dir, 'assets', 'app-ABC123.js'), script);
}

function appServing(dir: string, reloadEachRequest = false): express.Express {
  const app = express();
  app.use(createAccountPagesRouter({ dir, reloadEachRequest }));
  app.use(renderError);
  return app;
}

function cspDirectives(header: string | undefined): Map<string, string> {
  return new Map(
    (header ?? '')
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => [part.split(' ')[0]!, part.slice(part.indexOf(' ') + 1)]),
  );
}

describe('the hosted account pages', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyhold-pages-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('GET /account/, the mail-link pages and the provider completion page', () => {
    it.each([
      '/account',
      '/account/',
      '/account/verify-email?token=abc',
      '/account/reset-password?token=abc',
      '/account/revert-email?token=abc',
      '/account/oauth-complete?code=abc',
      '/account/oauth-complete?error=OAUTH_STATE_INVALID',
    ])('when %s is opened, then the shell is served under the pages policy, never cached, without a referrer', async (url) => {
      writeBundle(dir);
      const response = await request(appServing(dir)).get(url).expect(200);

      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.text).toBe(SHELL);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      const csp = cspDirectives(response.headers['content-security-policy']);
      expect(Object.fromEntries(csp)).toMatchObject({
        'default-src': "'self'",
        'script-src': "'self'",
        'style-src': "'self'",
        'img-src': "'self' data:",
        'connect-src': "'self'",
        'frame-ancestors': "'none'",
      });
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
    });
  });

  describe('GET /account/assets/:file', () => {
    it('when a built asset is asked for, then it is served with a year-long immutable cache (its name carries its hash)', async () => {
      writeBundle(dir, 'export const built = true;');
      const response = await request(appServing(dir)).get('/account/assets/app-ABC123.js').expect(200);

      expect(response.headers['content-type']).toMatch(/javascript/);
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(response.text).toBe('export const built = true;');
    });

    it('when a file outside the built assets is asked for, then 404 and nothing is read from elsewhere', async () => {
      writeBundle(dir);
      fs.writeFileSync(path.join(dir, 'secret.txt'), 'not an asset');
      const app = appServing(dir);
      for (const file of ['app-OTHER.js', '..%2Findex.html', '..%2Fsecret.txt', '%2E%2E%2Fsecret.txt']) {
        const response = await request(app).get(`/account/assets/${file}`);
        expect([400, 404]).toContain(response.status);
        expect(response.text).not.toContain('not an asset');
      }
    });
  });

  it('when the bundle was never built, then the pages answer 503 SERVICE_UNAVAILABLE naming the build step', async () => {
    const response = await request(appServing(path.join(dir, 'missing')))
      .get('/account/')
      .expect(503);

    expect(response.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', detail: expect.stringContaining('npm run build:pages') });
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('when reloading each request (development), then a rebuild shows without a restart; loaded once, it does not', async () => {
    writeBundle(dir);
    const reloading = appServing(dir, true);
    const once = appServing(dir, false);
    fs.writeFileSync(path.join(dir, 'index.html'), 'rebuilt');

    expect((await request(reloading).get('/account/').expect(200)).text).toBe('rebuilt');
    expect((await request(once).get('/account/').expect(200)).text).toBe(SHELL);
  });
});

describe('the hosted account pages in the app', () => {
  const ctx = useTestApp();

  it('when run from the sources, then the bundle is read from dist/account-pages of the repository (compiled: of dist/..)', () => {
    expect(defaultBundleDir()).toBe(path.resolve(__dirname, '../../../../dist/account-pages'));
  });

  it('when the built bundle is served, then its shell names its script and stylesheet, and both are served', async () => {
    const shell = await request(ctx.app).get('/account/').expect(200);
    const assets = [...shell.text.matchAll(/(?:src|href)="(\/account\/assets\/[^"]+)"/g)].map((match) => match[1]!);

    expect(assets).toHaveLength(2);
    for (const asset of assets) await request(ctx.app).get(asset).expect(200);
    expect(shell.text).not.toMatch(/<script>|<style>|style=/);
  });

  it('when an unknown sub-path or another method is used, then 404 / 405 as problem documents', async () => {
    const unknown = await request(ctx.app).get('/account/nothing-here').expect(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const post = await request(ctx.app).post('/account/').send({}).expect(405);
    expect(post.body.code).toBe('METHOD_NOT_ALLOWED');
    expect(post.headers.allow).toContain('GET');
  });

  it('when HOSTED_PAGES=false, then /account/ and its assets answer 404', async () => {
    const off = createTestContext({ HOSTED_PAGES: 'false' });
    try {
      const shell = await request(ctx.app).get('/account/').expect(200);
      const script = /src="(\/account\/assets\/[^"]+)"/.exec(shell.text)![1]!;
      for (const url of ['/account', '/account/', '/account/verify-email?token=x', script]) {
        expect((await request(off.app).get(url).expect(404)).body.code).toBe('NOT_FOUND');
      }
    } finally {
      await off.container.close();
    }
  });
});
