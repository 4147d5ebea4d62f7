// @ts-check
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';

const { fetch } = globalThis;
const SERVER = join(import.meta.dirname, '..', 'server.js');
const LISTENING = /^resource-server listening on http:\/\/127\.0\.0\.1:(\d+)\n$/;

/**
 * Node flags that make the child resolve @keyhold/verify the way this test process does: from its
 * TypeScript source (test:packages runs with --conditions=keyhold-source and tsx) or from dist.
 */
function childFlags() {
  const fromSource = fileURLToPath(import.meta.resolve('@keyhold/verify')).endsWith('.ts');
  return fromSource ? ['--conditions=keyhold-source', '--import', import.meta.resolve('tsx')] : [];
}

/** A fake Keyhold: one ES256 key, served as a JWKS on 127.0.0.1. */
async function startFakeKeyhold() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const body = JSON.stringify({ keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] });
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const issuer = `http://127.0.0.1:${address.port}`;
  /** @param {string} role */
  const tokenFor = (role) =>
    new SignJWT({ sub: 'user-1', sid: 'session-1', role, amr: ['pwd'] })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer(issuer)
      .setAudience('keyhold-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
  return { issuer, tokenFor, close: () => server.close() };
}

/**
 * Starts server.js as a real process and waits for its one line on stdout.
 * @param {Record<string, string>} env
 */
async function startResourceServer(env) {
  const child = spawn(process.execPath, [...childFlags(), SERVER], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = once(child, 'exit');
  for (let waited = 0; !stdout.includes('\n') && child.exitCode === null; waited += 20) {
    if (waited > 10_000) throw new Error(`resource-server did not start: ${stderr}`);
    await sleep(20);
  }
  return { child, exited, output: () => ({ stdout, stderr }) };
}

describe('examples/resource-server', () => {
  /** @type {Awaited<ReturnType<typeof startFakeKeyhold>>} */
  let keyhold;
  /** @type {Awaited<ReturnType<typeof startResourceServer>>} */
  let server;
  let baseUrl = '';

  before(async () => {
    keyhold = await startFakeKeyhold();
    server = await startResourceServer({ KEYHOLD_ISSUER: keyhold.issuer });
    const match = LISTENING.exec(server.output().stdout);
    assert.ok(match, `unexpected stdout: ${JSON.stringify(server.output())}`);
    baseUrl = `http://127.0.0.1:${match[1]}`;
  });

  after(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    keyhold.close();
  });

  it('GET /healthz: when called without a token, then 200 { status: "ok" }', async () => {
    const response = await fetch(`${baseUrl}/healthz`);

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('GET /notes: when called without a token, then 401 UNAUTHENTICATED with WWW-Authenticate: Bearer', async () => {
    const response = await fetch(`${baseUrl}/notes`);

    assert.equal(response.status, 401);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await response.json()).code, 'UNAUTHENTICATED');
  });

  it('GET /notes: when called with a user token, then 200 with the user id and role', async () => {
    const response = await fetch(`${baseUrl}/notes`, { headers: { authorization: `Bearer ${await keyhold.tokenFor('user')}` } });

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { userId: 'user-1', role: 'user' } });
  });

  it('GET /admin/report: when called with a user token, then 403 FORBIDDEN', async () => {
    const response = await fetch(`${baseUrl}/admin/report`, { headers: { authorization: `Bearer ${await keyhold.tokenFor('user')}` } });

    assert.equal(response.status, 403);
    assert.equal(response.headers.get('content-type'), 'application/problem+json');
    assert.equal((await response.json()).code, 'FORBIDDEN');
  });

  it('GET /admin/report: when called with an admin token, then 200 { data: { ok: true } }', async () => {
    const response = await fetch(`${baseUrl}/admin/report`, { headers: { authorization: `Bearer ${await keyhold.tokenFor('admin')}` } });

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { ok: true } });
  });

  it('when sent SIGTERM, then it exits 0 promptly, having printed exactly one line', async () => {
    server.child.kill('SIGTERM');
    const [code, signal] = await Promise.race([
      server.exited,
      sleep(5_000, undefined, { ref: false }).then(() => assert.fail('no exit within 5 s')),
    ]);

    assert.equal(code, 0, server.output().stderr);
    assert.equal(signal, null);
    assert.match(server.output().stdout, LISTENING);
    assert.equal(server.output().stderr, '');
  });
});

describe('examples/resource-server configuration', () => {
  it('when KEYHOLD_ISSUER is missing, then it exits 1 with a message and prints nothing on stdout', async () => {
    const { exited, output } = await startResourceServer({});
    const [code] = await exited;

    assert.equal(code, 1);
    assert.equal(output().stdout, '');
    assert.match(output().stderr, /KEYHOLD_ISSUER is required/);
  });
});
