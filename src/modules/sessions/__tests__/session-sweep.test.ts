import { RefreshTokenModel } from '../refresh-token.model';
import { SessionModel } from '../session.model';
import { createTestClock, useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs } from '../../../../tests/support/factories';

const DAY_MS = 86_400_000;

describe('expired session clean-up', () => {
  const clock = createTestClock();
  const ctx = useTestApp({ SESSION_IDLE_TTL: '1h', SESSION_ABSOLUTE_TTL: '2h' }, { clock: clock.now });

  it('when sessions ended longer ago than the retention, then the sweep removes them and their tokens, and keeps live ones', async () => {
    const stale = await loginAs(ctx.app, await buildUser(ctx.container));
    clock.advance(3 * DAY_MS);
    const live = await loginAs(ctx.app, await buildUser(ctx.container));

    const removed = await ctx.container.services.sessions.sweepExpired(DAY_MS);

    expect(removed).toEqual({ sessions: 1, tokens: 1 });
    expect(await SessionModel.findById(stale.sessionId)).toBeNull();
    expect(await RefreshTokenModel.countDocuments({ sessionId: stale.sessionId })).toBe(0);
    expect(await SessionModel.findById(live.sessionId)).not.toBeNull();
    expect(await RefreshTokenModel.countDocuments({ sessionId: live.sessionId })).toBe(1);
  });
});
