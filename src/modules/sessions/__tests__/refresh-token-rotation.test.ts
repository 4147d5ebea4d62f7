import { Types } from 'mongoose';
import { type Clock, systemClock } from '../../../lib/clock';
import { createSuccessorDeriver, hashRefreshToken } from '../refresh-token';
import { RefreshTokenModel } from '../refresh-token.model';
import { createRefreshTokenService, type Consumption } from '../refresh-token.service';
import { useTestDatabase } from '../../../../tests/support/database';
import { buildTestConfig, createTestClock } from '../../../../tests/support/context';

/*
 * Two services stand for two instances of the API: each batches its own callers, so their consuming
 * batches race at the database, which alone must decide the one winner.
 */
describe('refresh token rotation across instances', () => {
  useTestDatabase();

  function instance(overrides: Record<string, string> = {}, now: Clock = systemClock) {
    const config = buildTestConfig(overrides);
    return createRefreshTokenService({ session: config.session, now, successors: createSuccessorDeriver(config.jwt) });
  }

  function newSession() {
    return { _id: new Types.ObjectId(), userId: new Types.ObjectId(), absoluteExpiresAt: new Date(Date.now() + 3_600_000) };
  }

  function successorOf(consumption: Consumption): string {
    if (consumption.outcome === 'reused' || !consumption.successor) throw new Error(`expected a successor, got ${consumption.outcome}`);
    return consumption.successor;
  }

  it('when two instances consume one token many times at once, then one rotates, every other gets the same successor, and one successor is stored', async () => {
    const [first, second] = [instance({ REFRESH_REUSE_GRACE: '5s' }), instance({ REFRESH_REUSE_GRACE: '5s' })];
    for (let round = 0; round < 10; round++) {
      const token = await first.issueToken(newSession());

      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).consumeToken(token)));

      expect(outcomes.filter((outcome) => outcome.outcome === 'rotated')).toHaveLength(1);
      expect(new Set(outcomes.map(successorOf)).size).toBe(1);
      expect(await RefreshTokenModel.countDocuments({ parentId: hashRefreshToken(token) })).toBe(1);
    }
  });

  it('when a token rotates, then its successor is stored under its parent, and the spend is on record only once the answer leaves', async () => {
    const service = instance();
    const session = newSession();
    const token = await service.issueToken(session);

    const consumption = await service.consumeToken(token);
    const successor = successorOf(consumption);

    const parentBefore = await RefreshTokenModel.findById(hashRefreshToken(token)).lean();
    expect(parentBefore).toMatchObject({ usedAt: null, replacedBy: null, generation: 0 });
    expect(parentBefore).not.toHaveProperty('parentId');
    await service.recordSpend(consumption);
    const stored = await RefreshTokenModel.find({ sessionId: session._id }).sort({ generation: 1 }).lean();
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ _id: hashRefreshToken(token), replacedBy: hashRefreshToken(successor) });
    expect(stored[0]!.usedAt).toBeInstanceOf(Date);
    expect(stored[1]).toMatchObject({ _id: hashRefreshToken(successor), parentId: hashRefreshToken(token), usedAt: null, generation: 1 });
  });

  it('when a token has expired, then consuming it is refused and it stays unspent', async () => {
    const service = instance();
    const token = await service.issueToken({ ...newSession(), absoluteExpiresAt: new Date(Date.now() - 1000) });

    await expect(service.consumeToken(token)).rejects.toMatchObject({ code: 'REFRESH_TOKEN_INVALID' });
    expect(await RefreshTokenModel.countDocuments({ parentId: hashRefreshToken(token) })).toBe(0);
  });

  it('when a rotation never put its spend on record, then a replay long after the grace gets the same successor, not reuse', async () => {
    const clock = createTestClock();
    const service = instance({ REFRESH_REUSE_GRACE: '5s' }, clock.now);
    const token = await service.issueToken(newSession());
    const lost = successorOf(await service.consumeToken(token));

    clock.advance(60_000);
    const retry = await service.consumeToken(token);

    expect(retry).toMatchObject({ outcome: 'grace', successor: lost, spendRecorded: false });
  });

  it('when the spend is on record, then a replay is grace within the window and reuse after it', async () => {
    const clock = createTestClock();
    const service = instance({ REFRESH_REUSE_GRACE: '5s' }, clock.now);
    const token = await service.issueToken(newSession());
    await service.recordSpend(await service.consumeToken(token));

    expect(await service.consumeToken(token)).toMatchObject({ outcome: 'grace', spendRecorded: true });
    clock.advance(6000);
    expect((await service.consumeToken(token)).outcome).toBe('reused');
  });

  it('when another instance runs with the previous secret configured, then it hands out the successor the old secret derived', async () => {
    const oldSecret = 'old-secret-that-is-long-enough-0123456789';
    const newSecret = 'new-secret-that-is-long-enough-0123456789';
    const before = instance({ JWT_SECRET: oldSecret, REFRESH_REUSE_GRACE: '5s' });
    const after = instance({ JWT_SECRET: newSecret, JWT_PREVIOUS_SECRET: oldSecret, REFRESH_REUSE_GRACE: '5s' });
    const token = await before.issueToken(newSession());
    const successor = successorOf(await before.consumeToken(token));

    expect(await after.consumeToken(token)).toMatchObject({ outcome: 'grace', successor });
  });
});
