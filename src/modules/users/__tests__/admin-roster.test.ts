import { addMs } from '../../../lib/clock';
import { LockModel } from '../lock.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../user.model';
import { clearDatabase } from '../../../../tests/support/database';
import { useListeningServer } from '../../../../tests/support/listening';
import { useTestApp } from '../../../../tests/support/context';
import { buildUser, DEFAULT_PASSWORD, loginAs, uniqueEmail, type SignedIn } from '../../../../tests/support/factories';

const LEASE_MS = 1000;

describe('admin changes and the last-admin guard', () => {
  const ctx = useTestApp({ LOCK_LEASE: `${LEASE_MS}ms`, LOCK_WAIT: `${2 * LEASE_MS}ms` });
  const server = useListeningServer(ctx);
  beforeEach(() => clearDatabase());

  async function signInAdmin(): Promise<SignedIn> {
    return loginAs(ctx.app, await buildUser(ctx.container, { role: 'admin' }));
  }

  function call(actor: SignedIn, method: string, path: string, body?: object): Promise<{ status: number; code?: string }> {
    return fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${actor.accessToken}`, 'Content-Type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    }).then(async (response) => ({
      status: response.status,
      code: response.status === 204 ? undefined : ((await response.json()) as { code?: string }).code,
    }));
  }

  it('when an admin deletes 100 ordinary users at once, then every delete succeeds (no 503 BUSY) and they are gone with their sessions', async () => {
    const admin = await signInAdmin();
    const passwordHash = await ctx.container.hasher.hash(DEFAULT_PASSWORD);
    const users = await UserModel.insertMany(Array.from({ length: 100 }, () => ({ email: uniqueEmail(), passwordHash })));
    for (const user of users.slice(0, 10))
      await loginAs(ctx.app, { id: user.id as string, email: user.email, password: DEFAULT_PASSWORD, role: 'user' });

    const answers = await Promise.all(users.map((user) => call(admin, 'DELETE', `/users/${user.id}`)));

    expect(answers.filter((answer) => answer.status !== 204)).toEqual([]);
    expect(await UserModel.countDocuments({ _id: { $in: users.map((user) => user._id) } })).toBe(0);
    expect(await SessionModel.countDocuments({ userId: { $in: users.map((user) => user._id) } })).toBe(0);
  });

  it('when two admins disable each other at once, then one stays active and the other gets 409 LAST_ADMIN', async () => {
    const [first, second] = [await signInAdmin(), await signInAdmin()];

    const answers = await Promise.all([
      call(first, 'PATCH', `/users/${second.id}/status`, { status: 'disabled' }),
      call(second, 'PATCH', `/users/${first.id}/status`, { status: 'disabled' }),
    ]);

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409]);
    expect(answers.find((answer) => answer.status === 409)?.code).toBe('LAST_ADMIN');
    expect(await UserModel.countDocuments({ role: 'admin', status: 'active' })).toBe(1);
  });

  it('when a holder crashed with the roster lock, then a demotion waits out its lease and succeeds instead of 503 BUSY', async () => {
    const [first, second] = [await signInAdmin(), await signInAdmin()];
    await LockModel.create({ _id: 'admin-roster', holder: 'crashed-instance', expiresAt: addMs(new Date(), LEASE_MS) });

    const answer = await call(first, 'PATCH', `/users/${second.id}/role`, { role: 'user' });

    expect(answer.status).toBe(200);
    expect(await UserModel.countDocuments({ role: 'admin', status: 'active' })).toBe(1);
    expect(await LockModel.countDocuments({})).toBe(0);
  });
});
