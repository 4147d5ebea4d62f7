import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { stopProcess } from '../../scripts/lib/processes';
import { useTestApp } from '../support/context';
import { buildUser, loginAs, type SignedIn } from '../support/factories';
import { useListeningServer } from '../support/listening';

const ROOT = path.resolve(__dirname, '../..');
/** How long the example trusts fetched keys: the window in which a revoked key still works there. */
const CACHE_MAX_AGE_MS = 1000;

const kidOf = (token: string) => jwt.decode(token, { complete: true })!.header.kid!;

/** Starts examples/resource-server beside this Keyhold and resolves with its base URL. */
function startResourceServer(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=keyhold-source', '--import', 'tsx', 'examples/resource-server/server.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /resource-server listening on (http:\/\/\S+)/.exec(chunk.toString());
      if (match) resolve({ child, baseUrl: match[1]! });
    });
    child.on('exit', (code) => reject(new Error(`resource server exited ${code}: ${stderr}`)));
  });
}

/**
 * @keyhold/verify beside a running Keyhold: the example resource server verifies Keyhold's tokens with
 * the published JWKS alone, through two key rotations and one revocation.
 */
describe('examples/resource-server beside Keyhold', () => {
  const ctx = useTestApp();
  const keyhold = useListeningServer(ctx);
  let example: { child: ChildProcess; baseUrl: string };
  let user: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    user = await loginAs(ctx.app, await buildUser(ctx.container));
    admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    example = await startResourceServer({
      KEYHOLD_ISSUER: ctx.config.tokens.issuer,
      KEYHOLD_AUDIENCE: ctx.config.tokens.audience,
      KEYHOLD_JWKS_URI: `http://127.0.0.1:${keyhold.port}/.well-known/jwks.json`,
      KEYHOLD_JWKS_CACHE_MAX_AGE_MS: String(CACHE_MAX_AGE_MS),
      KEYHOLD_JWKS_COOLDOWN_MS: '0',
    });
  }, 30_000);
  afterAll(async () => {
    if (example) await stopProcess(example.child, 5000);
  });

  const notes = (token: string) => request(example.baseUrl).get('/notes').set('Authorization', `Bearer ${token}`);
  const fresh = async () =>
    (await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(200)).body.data
      .accessToken as string;

  it('when tokens are signed before, between and after two rotations and a key is revoked, then each verifies while its key is published, and the revoked one stops within the cache age', async () => {
    const first = user.accessToken;
    expect((await notes(first)).body).toEqual({ data: { userId: user.id, role: 'user' } });

    await ctx.container.keyRing.rotate(false);
    await ctx.container.keyRing.rotate(true);
    const second = await fresh();
    await ctx.container.keyRing.rotate(true);
    const third = await fresh();

    expect(new Set([kidOf(first), kidOf(second), kidOf(third)]).size).toBe(3);
    for (const token of [first, second, third]) expect((await notes(token)).status).toBe(200);

    await ctx.container.keyRing.revoke(kidOf(second));
    const revokedAt = Date.now();
    let refused: request.Response | undefined;
    // A liveness bound: the example refetches once its cached keys are CACHE_MAX_AGE_MS old.
    while (Date.now() - revokedAt < CACHE_MAX_AGE_MS + 5000) {
      const answer = await notes(second);
      if (answer.status === 401) {
        refused = answer;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(refused?.body.code).toBe('TOKEN_INVALID');
    expect(refused?.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await notes(first)).status).toBe(200);
    expect((await notes(third)).status).toBe(200);
    expect((await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${second}`)).body.code).toBe('TOKEN_INVALID');
  }, 30_000);

  it('when a route needs the admin role, then an admin token passes and a user token gets 403 problem+json', async () => {
    const adminToken = (await loginAs(ctx.app, admin)).accessToken;
    const allowed = await request(example.baseUrl).get('/admin/report').set('Authorization', `Bearer ${adminToken}`);
    const refused = await request(example.baseUrl)
      .get('/admin/report')
      .set('Authorization', `Bearer ${await fresh()}`);

    expect(allowed.status).toBe(200);
    expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
