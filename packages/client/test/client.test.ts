import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createKeyholdClient, createMemoryCookieStore, KeyholdError } from '@keyhold/client';

describe('createMemoryCookieStore', () => {
  it('sends a cookie only under its Path and forgets one cleared with Max-Age=0 or a past Expires', async () => {
    const store = createMemoryCookieStore();
    const origin = 'http://keyhold.test';
    await store.set(`${origin}/api/v1/auth/login`, [
      'refreshToken=abc; Path=/api/v1/auth; HttpOnly; SameSite=Strict',
      'deviceToken=d=1; Path=/api/v1/auth; Max-Age=3600',
      'other=x; Path=/api/v1/authority',
    ]);
    assert.equal(await store.get(`${origin}/api/v1/auth/refresh`), 'refreshToken=abc; deviceToken=d=1');
    assert.equal(await store.get(`${origin}/api/v1/me`), undefined);
    await store.set(`${origin}/api/v1/auth/logout`, [
      'refreshToken=; Path=/api/v1/auth; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      'deviceToken=; Path=/api/v1/auth; Max-Age=0',
    ]);
    assert.equal(await store.get(`${origin}/api/v1/auth/refresh`), undefined);
  });
});

describe('client.api against a plain HTTP server', () => {
  const seen: { method: string; url: string; contentType?: string; body: string }[] = [];
  let server: http.Server;
  let baseUrl: string;

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          body,
          ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
        });
        if (req.url === '/api/v1/auth/refresh') {
          res
            .writeHead(401, { 'Content-Type': 'application/problem+json' })
            .end(JSON.stringify({ status: 401, code: 'REFRESH_TOKEN_INVALID' }));
          return;
        }
        if (req.url === '/api/v1/auth/oauth/exchange') {
          res.writeHead(403, { 'Content-Type': 'application/problem+json' });
          res.end(JSON.stringify({ status: 403, code: 'MFA_REQUIRED', mfaToken: 'mfa-token', expiresIn: 300, returnTo: '/reports?tab=2' }));
          return;
        }
        if (req.url?.startsWith('/api/v1/users?')) {
          res.writeHead(429, { 'Content-Type': 'application/problem+json', 'Retry-After': '7' });
          res.end(JSON.stringify({ status: 429, code: 'RATE_LIMITED', detail: 'Slow down.', errors: [{ path: 'q', message: 'x' }] }));
          return;
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends a required body as JSON, encodes the query and turns a problem into a KeyholdError', async () => {
    const client = createKeyholdClient({ baseUrl: `${baseUrl}/`, coordination: 'local' });
    await client.api.requestPasswordReset({ body: { email: 'a@example.test' } });
    assert.deepEqual(seen.at(-1), {
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      contentType: 'application/json',
      body: '{"email":"a@example.test"}',
    });
    await assert.rejects(client.api.listUsers({ query: { q: 'a b&c', page: 2 } }), (error: unknown) => {
      assert.ok(error instanceof KeyholdError);
      assert.deepEqual(
        [error.status, error.code, error.detail, error.retryAfter, error.errors],
        [429, 'RATE_LIMITED', 'Slow down.', 7, [{ path: 'q', message: 'x' }]],
      );
      return true;
    });
    assert.equal(seen.at(-1)?.url, '/api/v1/users?q=a+b%26c&page=2');
  });

  it('when a path parameter needs escaping, then it stays one path segment', async () => {
    const client = createKeyholdClient({ baseUrl, coordination: 'local' });
    const signedOut: unknown[] = [];
    client.on('signedOut', (event) => signedOut.push(event));
    await client.api.revokeMySession({ path: { sessionId: '../users/x y' } });
    // Without a token the client first tried one refresh (refused), then sent the call as it was.
    assert.deepEqual(
      seen.slice(-2).map((request) => request.url),
      ['/api/v1/auth/refresh', '/api/v1/me/sessions/..%2Fusers%2Fx%20y'],
    );
    assert.deepEqual(signedOut, [{ reason: 'refreshFailed', code: 'REFRESH_TOKEN_INVALID' }]);
  });

  it("when a provider sign-in needs the second factor, then oauth.complete keeps the sign-in's returnTo for after it", async () => {
    const client = createKeyholdClient({ baseUrl, coordination: 'local' });
    const result = await client.oauth.complete('one-time-code');
    assert.equal(result.status, 'mfaRequired');
    assert.equal(result.returnTo, '/reports?tab=2');
    assert.deepEqual(seen.at(-1)?.body, '{"code":"one-time-code"}');
  });
});
