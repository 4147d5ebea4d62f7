import { createCallerResolver } from '../../src/modules/auth/authenticate';
import type { SessionClaims } from '../../src/modules/sessions';
import { SessionModel } from '../../src/modules/sessions/session.model';
import { UserModel } from '../../src/modules/users/user.model';
import { useTestApp } from '../support/context';
import { buildUser, loginAs, type SignedIn } from '../support/factories';

const REQUESTS = 30;

const claimsOf = (user: SignedIn): SessionClaims => ({ userId: user.id, sessionId: user.sessionId });

describe('the session check reads sessions and users in batches', () => {
  const ctx = useTestApp();

  afterEach(() => jest.restoreAllMocks());

  async function signedInUsers(count: number): Promise<SignedIn[]> {
    return Promise.all(
      Array.from({ length: count }, async (_, i) => loginAs(ctx.app, await buildUser(ctx.container, { name: `racer ${i}` }))),
    );
  }

  it('when 30 requests are checked at once, then one session query and one user query answer them, each with its own caller', async () => {
    const users = await signedInUsers(REQUESTS);
    const sessionFinds = jest.spyOn(SessionModel.collection, 'find');
    const userFinds = jest.spyOn(UserModel.collection, 'find');

    const callers = await Promise.all(users.map((user) => ctx.container.services.resolveCaller(claimsOf(user))));

    expect(sessionFinds).toHaveBeenCalledTimes(1);
    expect(userFinds).toHaveBeenCalledTimes(1);
    expect(callers.map((caller) => [caller.userId, caller.sessionId, caller.user.name])).toEqual(
      users.map((user, i) => [user.id, user.sessionId, `racer ${i}`]),
    );
  });

  it('when one request of a batch names a session of someone else, an ended session or a deleted user, then only that request is refused', async () => {
    const [owner, other, ended, deleted] = await signedInUsers(4);
    await SessionModel.updateOne({ _id: ended!.sessionId }, { $set: { revokedAt: new Date() } });
    await UserModel.deleteOne({ _id: deleted!.id });

    const results = await Promise.allSettled([
      ctx.container.services.resolveCaller(claimsOf(owner!)),
      ctx.container.services.resolveCaller({ userId: owner!.id, sessionId: other!.sessionId }),
      ctx.container.services.resolveCaller(claimsOf(ended!)),
      ctx.container.services.resolveCaller(claimsOf(deleted!)),
      ctx.container.services.resolveCaller(claimsOf(other!)),
    ]);

    expect(
      results.map((result) => (result.status === 'fulfilled' ? result.value.userId : (result.reason as { code: string }).code)),
    ).toEqual([owner!.id, 'SESSION_REVOKED', 'SESSION_REVOKED', 'UNAUTHENTICATED', other!.id]);
  });

  it('when a session is revoked while a batch that read it runs, then a check that starts after the revocation refuses it', async () => {
    const [user] = await signedInUsers(1);
    const { sessions, userRecords } = ctx.container.services;
    let releaseFirstRead: () => void = () => undefined;
    const firstReadHeld = new Promise<void>((resolve) => (releaseFirstRead = resolve));
    let reads = 0;
    const resolveCaller = createCallerResolver({
      sessions: {
        slideSession: sessions.slideSession,
        findActiveSessions: async (claims) => {
          reads += 1;
          const found = await sessions.findActiveSessions(claims);
          if (reads === 1) await firstReadHeld;
          return found;
        },
      },
      users: userRecords,
    });

    const before = resolveCaller(claimsOf(user!));
    while (reads === 0) await new Promise((resolve) => setImmediate(resolve));
    await SessionModel.updateOne({ _id: user!.sessionId }, { $set: { revokedAt: new Date() } });
    const after = resolveCaller(claimsOf(user!));
    releaseFirstRead();

    // The first check read the session before the revocation; the second may not share that read.
    expect((await before).sessionId).toBe(user!.sessionId);
    await expect(after).rejects.toMatchObject({ code: 'SESSION_REVOKED' });
    expect(reads).toBe(2);
  });

  it('when the session query fails, then every check of that batch fails and the next batch reads again', async () => {
    const users = await signedInUsers(3);
    jest.spyOn(SessionModel.collection, 'find').mockImplementationOnce(() => {
      throw new Error('connection reset');
    });

    const failed = await Promise.allSettled(users.map((user) => ctx.container.services.resolveCaller(claimsOf(user))));
    const retried = await Promise.all(users.map((user) => ctx.container.services.resolveCaller(claimsOf(user))));

    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(retried.map((caller) => caller.userId)).toEqual(users.map((user) => user.id));
  });
});
