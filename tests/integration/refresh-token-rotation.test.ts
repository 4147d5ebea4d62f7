import { Types } from 'mongoose';
import { systemClock } from '../../src/lib/clock';
import { hashRefreshToken } from '../../src/lib/refresh-token';
import { RefreshTokenModel } from '../../src/models/refresh-token.model';
import { createRefreshTokenService } from '../../src/services/refresh-token.service';
import { useTestDatabase } from '../support/database';
import { buildTestConfig, createTestClock } from '../support/context';

/*
 * Two services stand for two instances of the API: each batches its own callers, so their consuming
 * batches race at the database, which alone must decide the one winner.
 */
describe('refresh token rotation across instances', () => {
  useTestDatabase();
  afterEach(() => jest.restoreAllMocks());

  function twoInstances() {
    const { session } = buildTestConfig();
    return [createRefreshTokenService({ session, now: systemClock }), createRefreshTokenService({ session, now: systemClock })] as const;
  }

  function newSession() {
    return { _id: new Types.ObjectId(), userId: new Types.ObjectId(), absoluteExpiresAt: new Date(Date.now() + 3_600_000) };
  }

  it('when two instances consume one token many times at once, then exactly one rotation wins, in every round', async () => {
    const [first, second] = twoInstances();
    for (let round = 0; round < 20; round++) {
      const token = await first.issueToken(newSession());

      const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).consumeToken(token)));

      const rotated = outcomes.filter((outcome) => outcome.status === 'fulfilled' && outcome.value.outcome === 'rotated');
      expect(rotated).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      expect(await RefreshTokenModel.countDocuments({ parentId: hashRefreshToken(token) })).toBe(1);
    }
  });

  it('when a token rotates, then its successor is stored under its parent, the spent token links to it, and only the successor is unspent', async () => {
    const [instance] = twoInstances();
    const session = newSession();
    const token = await instance.issueToken(session);

    const consumption = await instance.consumeToken(token);
    if (consumption.outcome !== 'rotated') throw new Error(`expected a rotation, got ${consumption.outcome}`);
    const successor = consumption.successor;

    const stored = await RefreshTokenModel.find({ sessionId: session._id }).sort({ generation: 1 }).lean();
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ _id: hashRefreshToken(token), replacedBy: hashRefreshToken(successor), generation: 0 });
    expect(stored[0]!.usedAt).toBeInstanceOf(Date);
    expect(stored[1]).toMatchObject({ _id: hashRefreshToken(successor), parentId: hashRefreshToken(token), usedAt: null, generation: 1 });
    expect(stored[0]).not.toHaveProperty('parentId');
    expect(stored[1]!.createdAt).toBeInstanceOf(Date);
  });

  it('when a token has expired, then consuming it is refused and it stays unspent', async () => {
    const [instance] = twoInstances();
    const token = await instance.issueToken({ ...newSession(), absoluteExpiresAt: new Date(Date.now() - 1000) });

    await expect(instance.consumeToken(token)).rejects.toMatchObject({ code: 'REFRESH_TOKEN_INVALID' });
    expect((await RefreshTokenModel.findById(hashRefreshToken(token)).lean())?.usedAt).toBeNull();
  });

  it('when storing the successor fails, then the refresh fails and the token stays unspent for a retry', async () => {
    const [instance] = twoInstances();
    const token = await instance.issueToken(newSession());
    jest.spyOn(RefreshTokenModel.collection, 'insertMany').mockRejectedValueOnce(new Error('connection reset'));

    await expect(instance.consumeToken(token)).rejects.toThrow('connection reset');

    expect((await RefreshTokenModel.findById(hashRefreshToken(token)).lean())?.usedAt).toBeNull();
    expect((await instance.consumeToken(token)).outcome).toBe('rotated');
  });

  it('when a rotation could not mark its token spent, then a replay is judged by when the successor was stored', async () => {
    const clock = createTestClock();
    const instance = createRefreshTokenService({ session: buildTestConfig({ REFRESH_REUSE_GRACE: '5s' }).session, now: clock.now });
    const token = await instance.issueToken(newSession());
    expect((await instance.consumeToken(token)).outcome).toBe('rotated');
    // As if the rotation's last write (usedAt and replacedBy on the spent token) had failed.
    await RefreshTokenModel.updateOne({ _id: hashRefreshToken(token) }, { $set: { usedAt: null, replacedBy: null } });

    expect((await instance.consumeToken(token)).outcome).toBe('grace');
    clock.advance(6000);
    expect((await instance.consumeToken(token)).outcome).toBe('reused');
  });
});
