import type { Config } from '../config/env';
import { isDuplicateKeyError } from '../db/errors';
import { RateLimitedError } from '../errors/app-error';
import { addMs, type Clock } from '../lib/clock';
import { toSeconds } from '../lib/duration';
import { LoginAttemptModel, type LoginAttemptRecord } from '../models/login-attempt.model';

const FIRST_SLOWDOWN_MS = 1000;

export type LoginThrottleService = ReturnType<typeof createLoginThrottleService>;

/**
 * Per-account failed-login counter kept in the database (so it holds across instances).
 * From half the allowed failures on, each failure imposes a short, doubling wait; at the limit
 * the account is locked for the lockout period. Unknown emails are counted the same way, so the
 * lockout reveals nothing about which accounts exist.
 */
export function createLoginThrottleService(deps: { throttle: Config['loginThrottle']; now: Clock }) {
  const { maxFailures, failureWindowMs, lockoutMs } = deps.throttle;
  const slowdownFrom = Math.max(1, Math.ceil(maxFailures / 2));

  function lockDurationFor(failures: number): number {
    if (failures >= maxFailures) return lockoutMs;
    if (failures < slowdownFrom) return 0;
    return Math.min(lockoutMs, FIRST_SLOWDOWN_MS * 2 ** (failures - slowdownFrom));
  }

  /** Refuses a login attempt while the account is locked. */
  async function assertLoginAllowed(email: string): Promise<void> {
    const attempt = await LoginAttemptModel.findById(email, { lockedUntil: 1 }).lean<LoginAttemptRecord>();
    const now = deps.now();
    if (attempt?.lockedUntil && attempt.lockedUntil > now) {
      throw new RateLimitedError(toSeconds(attempt.lockedUntil.getTime() - now.getTime()), 'Too many failed sign-ins; try again later.');
    }
  }

  async function incrementFailures(email: string, now: Date): Promise<number> {
    const expiresAt = addMs(now, failureWindowMs + lockoutMs);
    const update = { $inc: { failures: 1 }, $setOnInsert: { windowStartedAt: now }, $set: { expiresAt } };
    try {
      const attempt = await LoginAttemptModel.findOneAndUpdate({ _id: email }, update, {
        upsert: true,
        new: true,
      }).lean<LoginAttemptRecord>();
      return attempt?.failures ?? 1;
    } catch (error) {
      // Two first failures racing to insert: the loser simply increments the winner's document.
      if (!isDuplicateKeyError(error)) throw error;
      const attempt = await LoginAttemptModel.findOneAndUpdate({ _id: email }, update, { new: true }).lean<LoginAttemptRecord>();
      return attempt?.failures ?? 1;
    }
  }

  /** Counts a failed login; returns how long the account is now locked (0 when it is not). */
  async function recordFailure(email: string): Promise<number> {
    const now = deps.now();
    await LoginAttemptModel.updateOne(
      { _id: email, windowStartedAt: { $lt: addMs(now, -failureWindowMs) } },
      { $set: { failures: 0, windowStartedAt: now } },
    );
    const lockMs = lockDurationFor(await incrementFailures(email, now));
    if (lockMs > 0) await LoginAttemptModel.updateOne({ _id: email }, { $set: { lockedUntil: addMs(now, lockMs) } });
    return lockMs;
  }

  /** A successful login clears the account's record. */
  async function resetFailures(email: string): Promise<void> {
    await LoginAttemptModel.deleteOne({ _id: email });
  }

  return { assertLoginAllowed, recordFailure, resetFailures };
}
