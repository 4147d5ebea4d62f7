import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { LoginAttemptModel } from '../login-attempt.model';
import { SessionModel } from '../../sessions/session.model';
import { createTestContext, useTestApp, type TestContext } from '../../../../tests/support/context';
import { buildUser, eventually, uniqueEmail } from '../../../../tests/support/factories';
import { listen } from '../../../../tests/support/listening';

const LOGIN = '/api/v1/auth/login';
const MAX_FAILURES = 5;
/** Every compare is held this long, so the racing logins all arrive while the first ones are still checking. */
const COMPARE_DELAY_MS = 400;

interface ComparesSeen {
  started: number;
}

/** Counts the password compares a container makes, holding each one open so races overlap by design. */
function instrumentCompares(ctx: TestContext, seen: ComparesSeen, delayMs = COMPARE_DELAY_MS): void {
  const verify = ctx.container.hasher.verify.bind(ctx.container.hasher);
  jest.spyOn(ctx.container.hasher, 'verify').mockImplementation(async (password, hash) => {
    seen.started += 1;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return verify(password, hash);
  });
}

async function postLogin(baseUrl: string, body: { email: string; password: string }): Promise<Response> {
  return fetch(`${baseUrl}${LOGIN}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

// Liveness bounds only: on a loaded shared machine the racing requests can take many seconds to line up.
jest.setTimeout(60_000);

describe('login failure slots (LOGIN_MAX_FAILURES=5)', () => {
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCKOUT: '10m' });

  afterEach(() => jest.restoreAllMocks());

  it('when 30 wrong passwords race on two instances and the right one follows, then at most 5 are compared, all others get 429 and nobody signs in', async () => {
    const user = await buildUser(ctx.container);
    const second = createTestContext({ LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCKOUT: '10m' });
    const seen: ComparesSeen = { started: 0 };
    instrumentCompares(ctx, seen);
    instrumentCompares(second, seen);
    const servers = await Promise.all([listen(ctx.app), listen(second.app)]);
    try {
      let answered = 0;
      const wrong = Array.from({ length: 30 }, (_, i) =>
        postLogin(servers[i % 2]!.url, { email: user.email, password: `wrong guess ${i}` }).then((response) => {
          answered += 1;
          return response;
        }),
      );
      // Every wrong guess has either been turned away or is inside its (held) compare: the right password comes now.
      await eventually(async () => answered + seen.started >= 30, 25_000);
      const right = await postLogin(servers[0]!.url, { email: user.email, password: user.password });
      const statuses = (await Promise.all(wrong)).map((response) => response.status);

      expect(right.status).toBe(429);
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(seen.started).toBeLessThanOrEqual(MAX_FAILURES);
      expect(statuses.filter((status) => status === 401)).toHaveLength(seen.started);
      expect(statuses.filter((status) => status === 429)).toHaveLength(30 - seen.started);
      expect(await SessionModel.countDocuments({ userId: user.id })).toBe(0);
      const attempt = await LoginAttemptModel.findById(user.email).lean();
      expect(attempt).toMatchObject({ failures: MAX_FAILURES, lockedAt: expect.any(Date) });
      expect(attempt!.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
      await eventually(() => AuditEventModel.findOne({ type: 'auth.login_locked', targetId: user.id }));
      expect(await AuditEventModel.countDocuments({ type: 'auth.login_locked', targetId: user.id })).toBe(1);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      await second.container.close();
    }
  });

  it('when 30 wrong passwords race for an unknown email, then it is throttled exactly like an account', async () => {
    const email = uniqueEmail('ghost');
    const seen: ComparesSeen = { started: 0 };
    instrumentCompares(ctx, seen, 50);
    const server = await listen(ctx.app);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 30 }, (_, i) => postLogin(server.url, { email, password: `guess ${i}` }).then((r) => r.status)),
      );
      expect(seen.started).toBe(MAX_FAILURES);
      expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_FAILURES);
      expect(statuses.filter((status) => status === 429)).toHaveLength(30 - MAX_FAILURES);
      expect(await LoginAttemptModel.findById(email).lean()).toMatchObject({ failures: MAX_FAILURES, lockedAt: expect.any(Date) });
    } finally {
      await server.close();
    }
  });

  it('when the compare fails with an error, then the slot is handed back', async () => {
    const user = await buildUser(ctx.container);
    jest.spyOn(ctx.container.hasher, 'verify').mockRejectedValueOnce(new Error('worker crashed'));

    const failed = await request(ctx.app).post(LOGIN).send({ email: user.email, password: 'wrong guess' });

    expect(failed.status).toBe(500);
    expect((await LoginAttemptModel.findById(user.email).lean())?.failures).toBe(0);
  });

  it('when slots are full only because of errors and right passwords, then wrong passwords still get their full allowance', async () => {
    const user = await buildUser(ctx.container);
    for (let i = 0; i < MAX_FAILURES + 2; i++) {
      jest.spyOn(ctx.container.hasher, 'verify').mockRejectedValueOnce(new Error('worker crashed'));
      await request(ctx.app).post(LOGIN).send({ email: user.email, password: 'wrong guess' }).expect(500);
    }
    const disabled = await buildUser(ctx.container, { status: 'disabled' });
    await request(ctx.app).post(LOGIN).send({ email: disabled.email, password: disabled.password }).expect(403);

    const first = await request(ctx.app).post(LOGIN).send({ email: user.email, password: 'wrong guess' });

    expect(first.status).toBe(401);
    expect((await LoginAttemptModel.findById(user.email).lean())?.failures).toBe(1);
    expect((await LoginAttemptModel.findById(disabled.email).lean())?.failures).toBe(0);
  });
});

describe('login failure slots when password hashing is saturated', () => {
  // One worker at cost 10 and a short bound: most of a burst of logins is refused with 503 BUSY.
  const ctx = useTestApp({ BCRYPT_COST: '10', PASSWORD_HASH_WORKERS: '1', PASSWORD_HASH_MAX_WAIT: '300ms', LOGIN_MAX_FAILURES: '20' });

  it('when wrong passwords are refused with 503 BUSY, then their slots are handed back and only compared ones count', async () => {
    // The service hashes a dummy password at start-up: an idle worker always takes the next job.
    await eventually(async () => ctx.container.hasher.stats().running === 0);
    const user = await buildUser(ctx.container);
    const server = await listen(ctx.app);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          postLogin(server.url, { email: user.email, password: `wrong guess ${i}` }).then((r) => r.status),
        ),
      );

      const compared = statuses.filter((status) => status === 401).length;
      expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(0);
      expect(compared + statuses.filter((status) => status === 503).length).toBe(12);
      expect((await LoginAttemptModel.findById(user.email).lean())?.failures).toBe(compared);
    } finally {
      await server.close();
    }
  });
});
