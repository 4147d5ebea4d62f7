import { hashRefreshToken } from '../../sessions/refresh-token';
import { AuditEventModel } from '../../audit/audit-event.model';
import { RefreshTokenModel } from '../../sessions/refresh-token.model';
import { SessionModel } from '../../sessions/session.model';
import { createTestClock, useTestApp } from '../../../../tests/support/context';
import { useListeningServer } from '../../../../tests/support/listening';
import { buildUser, eventually, loginAs } from '../../../../tests/support/factories';

const GRACE_MS = 5000;
const RACERS = 25;

interface Answer {
  status: number;
  code: string | undefined;
  /** The `refreshToken=<value>` pair the answer set, if any. */
  cookie: string | undefined;
}

describe('POST /api/v1/auth/refresh: a just-rotated token presented again', () => {
  const clock = createTestClock();
  const ctx = useTestApp({ REFRESH_REUSE_GRACE: `${GRACE_MS}ms` }, { clock: clock.now });
  const server = useListeningServer(ctx);

  async function refresh(cookie: string): Promise<Answer> {
    const response = await fetch(`${server.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/json' },
    });
    const body = (await response.json()) as { code?: string };
    const cookieLine = response.headers.getSetCookie().find((line) => line.startsWith('refreshToken='));
    return { status: response.status, code: body.code, cookie: cookieLine?.split(';')[0] };
  }

  async function signIn() {
    return loginAs(ctx.app, await buildUser(ctx.container));
  }

  const hashOf = (cookie: string): string => hashRefreshToken(cookie.split('=')[1]!);

  async function expectRevokedForReuse(sessionId: string): Promise<void> {
    expect((await SessionModel.findById(sessionId).lean())?.revokedReason).toBe('refresh_reuse');
    expect(await RefreshTokenModel.countDocuments({ sessionId })).toBe(0);
  }

  it('when the answer to a refresh was lost, then the retry gets 200 and the same successor cookie, and that successor works', async () => {
    const signedIn = await signIn();
    const lost = await refresh(signedIn.refreshCookie);

    const retry = await refresh(signedIn.refreshCookie);

    expect(retry.status).toBe(200);
    expect(retry.cookie).toBeDefined();
    expect(retry.cookie).toBe(lost.cookie);
    expect(await RefreshTokenModel.countDocuments({ parentId: hashOf(signedIn.refreshCookie) })).toBe(1);
    const next = await refresh(retry.cookie!);
    expect(next.status).toBe(200);
    expect(next.cookie).not.toBe(retry.cookie);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedAt).toBeNull();
    await eventually(() => AuditEventModel.findOne({ type: 'auth.refresh_grace_used', sessionId: signedIn.sessionId }));
  });

  it(`when ${RACERS} presentations of one token race, then all answer 200 with the same cookie and exactly one successor is stored`, async () => {
    const signedIn = await signIn();

    const answers = await Promise.all(Array.from({ length: RACERS }, () => refresh(signedIn.refreshCookie)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(RACERS).fill(200));
    expect(answers.every((answer) => answer.cookie !== undefined)).toBe(true);
    expect(new Set(answers.map((answer) => answer.cookie)).size).toBe(1);
    expect(await RefreshTokenModel.countDocuments({ sessionId: signedIn.sessionId })).toBe(2);
    expect(await RefreshTokenModel.countDocuments({ parentId: hashOf(signedIn.refreshCookie) })).toBe(1);
    expect((await SessionModel.findById(signedIn.sessionId).lean())?.revokedAt).toBeNull();
    expect((await refresh(answers[0]!.cookie!)).status).toBe(200);
  });

  it('when the successor has been used, then a replay of its parent within the grace revokes the session', async () => {
    const signedIn = await signIn();
    const first = await refresh(signedIn.refreshCookie);
    await refresh(first.cookie!);

    const replay = await refresh(signedIn.refreshCookie);

    expect(replay).toMatchObject({ status: 401, code: 'REFRESH_TOKEN_REUSED', cookie: undefined });
    await expectRevokedForReuse(signedIn.sessionId);
  });

  it('when the grace is over, then a replay of a rotated token revokes the session', async () => {
    const signedIn = await signIn();
    await refresh(signedIn.refreshCookie);
    clock.advance(GRACE_MS + 1000);

    const replay = await refresh(signedIn.refreshCookie);

    expect(replay).toMatchObject({ status: 401, code: 'REFRESH_TOKEN_REUSED' });
    await expectRevokedForReuse(signedIn.sessionId);
  });

  it('when spent tokens were pruned after their grace, then a replay of one is still recognised through its descendants', async () => {
    const signedIn = await signIn();
    const second = await refresh(signedIn.refreshCookie);
    const third = await refresh(second.cookie!);
    clock.advance(GRACE_MS + 1000);

    const pruned = await ctx.container.services.refreshTokens.pruneSpent();

    expect(pruned).toBeGreaterThanOrEqual(2);
    expect(await RefreshTokenModel.find({ sessionId: signedIn.sessionId }, { _id: 1 }).lean()).toEqual([{ _id: hashOf(third.cookie!) }]);
    const replay = await refresh(signedIn.refreshCookie);
    expect(replay).toMatchObject({ status: 401, code: 'REFRESH_TOKEN_REUSED' });
    await expectRevokedForReuse(signedIn.sessionId);
  });
});
