import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { SessionModel } from '../../src/models/session.model';
import { useTestApp } from '../support/context';
import { buildUser, loginAs, type TestUser } from '../support/factories';

const MAX_WAIT_MS = 1500;
const STORM = 30;
// A liveness bound, not a speed claim: the bound itself plus room for a busy shared machine.
const SLOWEST_ALLOWED_MS = MAX_WAIT_MS + 2500;

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
  body: { code?: string; data?: { user?: { id?: string } } };
}

describe('password hashing under a login storm', () => {
  // Cost 10 with one worker: a storm of 30 needs several seconds of hashing, far beyond the bound.
  const ctx = useTestApp({ BCRYPT_COST: '10', PASSWORD_HASH_WORKERS: '1', PASSWORD_HASH_MAX_WAIT: `${MAX_WAIT_MS}ms` });
  let server: Server;
  let baseUrl: string;
  let user: TestUser;

  beforeAll(async () => {
    server = ctx.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    user = await buildUser(ctx.container);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  async function login(): Promise<Answer> {
    const started = Date.now();
    const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    const body = (await response.json()) as Answer['body'];
    return { status: response.status, ms: Date.now() - started, retryAfter: response.headers.get('retry-after'), body };
  }

  it('when logins arrive beyond hashing capacity, then the excess answers 503 BUSY with Retry-After at once and none waits past the bound', async () => {
    const sessionsBefore = await SessionModel.countDocuments({ userId: user.id });

    const answers = await Promise.all(Array.from({ length: STORM }, login));

    const accepted = answers.filter((answer) => answer.status === 200);
    const busy = answers.filter((answer) => answer.status === 503);
    expect(accepted.length + busy.length).toBe(STORM);
    expect(accepted.length).toBeGreaterThan(0);
    expect(busy.length).toBeGreaterThan(0);
    for (const answer of busy) {
      expect(answer.body.code).toBe('BUSY');
      expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    for (const answer of accepted) expect(answer.body.data?.user?.id).toBe(user.id);
    expect(Math.max(...answers.map((answer) => answer.ms))).toBeLessThan(SLOWEST_ALLOWED_MS);
    // Exactly the accepted logins opened sessions; a refused one left nothing behind.
    expect(await SessionModel.countDocuments({ userId: user.id })).toBe(sessionsBefore + accepted.length);
  });

  it('when the storm has passed, then logins and re-authentications work again', async () => {
    const signedIn = await loginAs(ctx.app, user);
    const response = await request(ctx.app)
      .post('/api/v1/me/password')
      .set('Authorization', `Bearer ${signedIn.accessToken}`)
      .send({ currentPassword: 'not the password at all', newPassword: 'another long password 123' });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('INVALID_CREDENTIALS');
  });
});
