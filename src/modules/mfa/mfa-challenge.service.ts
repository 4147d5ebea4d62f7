import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../config/env';
import { UnauthenticatedError } from '../../errors/app-error';
import { addMs, type Clock } from '../../lib/clock';
import { toSeconds } from '../../lib/duration';
import { MfaChallengeModel } from './mfa-challenge.model';

/** Wrong codes one mfaToken allows before it is void. */
export const MFA_TOKEN_MAX_ATTEMPTS = 5;
const TOKEN_BYTES = 32;

/** The first step of a login waiting for its second factor: a password, or an OpenID provider. */
export type FirstFactor = 'pwd' | 'fed';

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const invalidMfaToken = (): UnauthenticatedError =>
  new UnauthenticatedError('MFA_TOKEN_INVALID', 'The sign-in step has expired, was used, or had too many wrong codes; sign in again.');

export type MfaChallengeService = ReturnType<typeof createMfaChallengeService>;

/** The mfaTokens that link a checked password to its second factor: random, stored hashed, short-lived, single-use. */
export function createMfaChallengeService(deps: { config: Pick<Config['mfa'], 'tokenTtlMs'>; now: Clock }) {
  /** Opens a challenge for a user whose password was just confirmed. */
  async function issue(login: {
    userId: string;
    throttleKey: string | null;
    credentialVersion: number;
    firstFactor?: FirstFactor;
  }): Promise<{ mfaToken: string; expiresIn: number }> {
    const mfaToken = randomBytes(TOKEN_BYTES).toString('base64url');
    const expiresAt = addMs(deps.now(), deps.config.tokenTtlMs);
    await MfaChallengeModel.create({ _id: hashToken(mfaToken), ...login, expiresAt });
    return { mfaToken, expiresIn: toSeconds(deps.config.tokenTtlMs) };
  }

  /**
   * Reserves one code check on a live challenge, atomically: however many requests race with one
   * token, at most MFA_TOKEN_MAX_ATTEMPTS are checked. Returns the challenge's user and the
   * throttle key of its password step (cleared when the login completes) and the credential version that
   * password was checked under.
   */
  async function reserveAttempt(
    mfaToken: string,
  ): Promise<{ userId: string; throttleKey: string | null; credentialVersion: number; firstFactor: FirstFactor }> {
    const challenge = await MfaChallengeModel.findOneAndUpdate(
      { _id: hashToken(mfaToken), usedAt: null, expiresAt: { $gt: deps.now() }, attempts: { $lt: MFA_TOKEN_MAX_ATTEMPTS } },
      { $inc: { attempts: 1 } },
      { projection: { userId: 1, throttleKey: 1, credentialVersion: 1, firstFactor: 1 } },
    ).lean();
    if (!challenge) throw invalidMfaToken();
    return {
      userId: challenge.userId.toString(),
      throttleKey: challenge.throttleKey ?? null,
      credentialVersion: challenge.credentialVersion,
      firstFactor: challenge.firstFactor === 'fed' ? 'fed' : 'pwd',
    };
  }

  /** Marks the challenge used; only one caller ever succeeds. */
  async function spend(mfaToken: string): Promise<void> {
    const result = await MfaChallengeModel.updateOne({ _id: hashToken(mfaToken), usedAt: null }, { $set: { usedAt: deps.now() } });
    if (result.modifiedCount !== 1) throw invalidMfaToken();
  }

  /** Removes ended challenges (the TTL index does it on MongoDB; the fallback database never does). */
  async function sweepExpired(): Promise<number> {
    const result = await MfaChallengeModel.deleteMany({ expiresAt: { $lte: deps.now() } });
    return result.deletedCount;
  }

  /** Deletes the pending sign-ins of a deleted account. */
  async function forgetUser(userId: string): Promise<void> {
    await MfaChallengeModel.deleteMany({ userId });
  }

  return { issue, reserveAttempt, spend, forgetUser, sweepExpired };
}
