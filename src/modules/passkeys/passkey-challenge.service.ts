import { Types } from 'mongoose';
import { addMs, type Clock } from '../../lib/clock';
import { PasskeyChallengeModel, type PasskeyCeremony } from './passkey-challenge.model';

export type PasskeyChallengeService = ReturnType<typeof createPasskeyChallengeService>;

/**
 * Server-side WebAuthn challenges (the library makes them from 256 random bits): stored until used or expired, and spent
 * by one atomic delete, so of any number of requests presenting one challenge exactly one gets it.
 */
export function createPasskeyChallengeService(deps: { now: Clock; ttlMs: number }) {
  /** Stores a fresh challenge for one ceremony (a registration names its account) until its expiry. */
  async function issue(challenge: string, ceremony: PasskeyCeremony, userId: string | null = null): Promise<void> {
    await PasskeyChallengeModel.create({ _id: challenge, ceremony, userId, expiresAt: addMs(deps.now(), deps.ttlMs) });
  }

  /**
   * Spends a challenge: true for the one caller that removed it while it was unexpired and issued for
   * this ceremony (and account); false for an unknown, expired, foreign or already spent one.
   */
  async function spend(challenge: string, ceremony: PasskeyCeremony, userId: string | null = null): Promise<boolean> {
    const owner = userId === null ? null : Types.ObjectId.isValid(userId) ? new Types.ObjectId(userId) : undefined;
    if (owner === undefined) return false;
    const spent = await PasskeyChallengeModel.findOneAndDelete({
      _id: challenge,
      ceremony,
      userId: owner,
      expiresAt: { $gt: deps.now() },
    }).lean();
    return spent !== null;
  }

  async function forgetUser(userId: string): Promise<void> {
    await PasskeyChallengeModel.deleteMany({ userId: new Types.ObjectId(userId) });
  }

  async function sweepExpired(): Promise<number> {
    const result = await PasskeyChallengeModel.deleteMany({ expiresAt: { $lte: deps.now() } });
    return result.deletedCount;
  }

  return { issue, spend, forgetUser, sweepExpired };
}
