import request from 'supertest';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { BUMP_CREDENTIAL_VERSION, UserModel } from '../../src/modules/users/user.model';
import { useTestApp, type TestContext } from '../support/context';
import { buildUser, eventually, loginAs, type TestUser } from '../support/factories';
import { listen } from '../support/listening';

const RACERS = 30;
/** Logins that start their compare while this is on are held this long: the credential change lands meanwhile. */
const HELD_COMPARE_MS = 1500;

interface LoginAnswer {
  status: number;
  accessToken?: string;
  refreshCookie?: string;
}

/** Holds the password compares that start while `hold.on` is true, so racing logins check the old hash late. */
function holdCompares(ctx: TestContext): { on: boolean; started: number } {
  const hold = { on: false, started: 0 };
  const verify = ctx.container.hasher.verify.bind(ctx.container.hasher);
  jest.spyOn(ctx.container.hasher, 'verify').mockImplementation(async (password, hash) => {
    if (hold.on) {
      hold.started += 1;
      await new Promise((resolve) => setTimeout(resolve, HELD_COMPARE_MS));
    }
    return verify(password, hash);
  });
  return hold;
}

async function login(baseUrl: string, user: TestUser): Promise<LoginAnswer> {
  const response = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: user.email, password: user.password }),
  });
  const body = (await response.json()) as { data?: { accessToken: string } };
  const refreshCookie = response.headers
    .getSetCookie()
    .find((line) => line.startsWith('refreshToken='))
    ?.split(';')[0];
  return { status: response.status, accessToken: body.data?.accessToken, refreshCookie };
}

/** What the session behind these credentials allows now: GET /me and a refresh. */
async function probe(ctx: TestContext, answer: LoginAnswer): Promise<{ me: number; refresh: number }> {
  const me = await request(ctx.app).get('/api/v1/me').auth(answer.accessToken!, { type: 'bearer' });
  const refresh = await request(ctx.app)
    .post('/api/v1/auth/refresh')
    .set('Cookie', answer.refreshCookie!)
    .set('Content-Type', 'application/json');
  return { me: me.status, refresh: refresh.status };
}

// Liveness bounds only: on a loaded shared machine the racing requests can take many seconds to line up.
jest.setTimeout(60_000);

describe('credential version: a credential change ends every session made before it', () => {
  // The held compares all reach the hasher at once; on a loaded machine the default bound would turn some into 503 BUSY.
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: '50', PASSWORD_HASH_MAX_WAIT: '60s' });

  afterEach(() => jest.restoreAllMocks());

  it('when 30 logins with the old password race a password change, then none of their sessions authenticates or refreshes afterwards', async () => {
    const user = await buildUser(ctx.container);
    const changer = await loginAs(ctx.app, user);
    const hold = holdCompares(ctx);
    const server = await listen(ctx.app);
    try {
      hold.on = true;
      const racing = Array.from({ length: RACERS }, () => login(server.url, user));
      await eventually(async () => hold.started >= RACERS, 25_000);
      hold.on = false;
      // Every racer is inside its compare against the old hash: the change lands now, before any of them finishes.
      await request(ctx.app)
        .post('/api/v1/me/password')
        .auth(changer.accessToken, { type: 'bearer' })
        .send({ currentPassword: user.password, newPassword: 'a brand new passphrase 42' })
        .expect(204);
      const answers = await Promise.all(racing);

      expect(answers.map((answer) => answer.status)).toEqual(Array(RACERS).fill(200));
      const outcomes = await Promise.all(answers.map((answer) => probe(ctx, answer)));
      expect(outcomes).toEqual(Array(RACERS).fill({ me: 401, refresh: 401 }));
      expect((await UserModel.findById(user.id).lean())?.credentialVersion).toBe(1);
      const raced = await SessionModel.find({ userId: user.id, _id: { $ne: changer.sessionId } }).lean();
      expect(raced).toHaveLength(RACERS);
      expect(raced.every((session) => session.credentialVersion === 0)).toBe(true);
      const changerSession = await SessionModel.findById(changer.sessionId).lean();
      expect(changerSession).toMatchObject({ credentialVersion: 1, revokedAt: null });
      await request(ctx.app).get('/api/v1/me').auth(changer.accessToken, { type: 'bearer' }).expect(200);
      await loginAs(ctx.app, { ...user, password: 'a brand new passphrase 42' });
    } finally {
      await server.close();
    }
  });

  it('when the process dies between writing the new password and revoking sessions, then the old sessions are refused anyway', async () => {
    const user = await buildUser(ctx.container);
    const sessions = [await loginAs(ctx.app, user), await loginAs(ctx.app, user)];

    // Exactly the password change's first write, and nothing after it.
    const passwordHash = await ctx.container.hasher.hash('the password set just before the crash');
    await UserModel.updateOne({ _id: user.id }, { $set: { passwordHash }, ...BUMP_CREDENTIAL_VERSION });

    for (const signedIn of sessions) {
      expect(await probe(ctx, { status: 200, ...signedIn })).toEqual({ me: 401, refresh: 401 });
    }
    const me = await request(ctx.app).get('/api/v1/me').auth(sessions[0]!.accessToken, { type: 'bearer' });
    expect(me.body.code).toBe('SESSION_REVOKED');
    expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(2);
    await loginAs(ctx.app, { ...user, password: 'the password set just before the crash' });
  });

  it('when logins race an admin disabling the account, then their sessions are refused while disabled and stay refused after re-enabling', async () => {
    const admin = await loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
    const user = await buildUser(ctx.container);
    const hold = holdCompares(ctx);
    const server = await listen(ctx.app);
    try {
      hold.on = true;
      const racing = Array.from({ length: 10 }, () => login(server.url, user));
      await eventually(async () => hold.started >= 10, 25_000);
      hold.on = false;
      const setStatus = (status: string) =>
        request(ctx.app).patch(`/api/v1/users/${user.id}/status`).auth(admin.accessToken, { type: 'bearer' }).send({ status }).expect(200);
      await setStatus('disabled');
      const answers = await Promise.all(racing);

      // The password was right and the account looked active when each login read it: all of them got in.
      expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));

      for (const answer of answers) {
        expect((await request(ctx.app).get('/api/v1/me').auth(answer.accessToken!, { type: 'bearer' })).status).toBe(401);
      }
      await setStatus('active');
      for (const answer of answers) expect(await probe(ctx, answer)).toEqual({ me: 401, refresh: 401 });
      expect((await UserModel.findById(user.id).lean())?.credentialVersion).toBe(1);
    } finally {
      await server.close();
    }
  });
});
