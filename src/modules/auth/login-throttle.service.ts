import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/env';
import { isDuplicateKeyError } from '../../db/errors';
import { RateLimitedError } from '../../errors/app-error';
import { addMs, type Clock } from '../../lib/clock';
import { toSeconds } from '../../lib/duration';
import { LoginAttemptModel, type LoginAttemptRecord } from './login-attempt.model';

const FIRST_SLOWDOWN_MS = 1000;
/** Retry-After while every slot is held by a login whose password is still being checked. */
const SLOTS_IN_FLIGHT_RETRY_MS = 1000;

/** Who a login attempt counts against: the account, or one device cookie the account issued. */
export interface LoginSubject {
  email: string;
  /** A verified device cookie of this account (see lib/device-cookie), or null. */
  device?: { accountId: string; nonce: string } | null;
}

/** A reserved failure slot: spent by a wrong password, handed back by anything else. */
export interface LoginSlot {
  key: string;
  scope: 'account' | 'device';
  /** The window the slot was taken in: handing it back after that window ended changes nothing. */
  windowId: string | null;
}

export interface FailureOutcome {
  /** How long this key is now refused (0 when it is not). */
  lockedForMs: number;
  /** True for the one failure that started a full lock (audit it as auth.login_locked). */
  lockStarted: boolean;
}

export type LoginThrottleService = ReturnType<typeof createLoginThrottleService>;

/** The throttle key of an account for clients without its device cookie. */
export function accountThrottleKey(email: string): string {
  return email;
}

function deviceThrottleKey(device: { accountId: string; nonce: string }): string {
  return `device:${device.accountId}:${device.nonce}`;
}

/**
 * Failed-login counters kept in the database, so they hold across instances. A login reserves a
 * failure slot with one conditional update before its password is checked, so however many arrive at
 * once, at most LOGIN_MAX_FAILURES wrong passwords per key are ever compared in a window. From half the
 * allowed failures on, each failure imposes a short, doubling wait; at the limit the key is locked for
 * the lockout period. Unknown emails are counted the same way, so the lockout reveals nothing about
 * which accounts exist. A device cookie has a key of its own (OWASP device cookies): a client that
 * presents a valid one is not held back by failures from other clients, and once its own key is full
 * it counts against the account like any client without one.
 */
export function createLoginThrottleService(deps: { throttle: Config['loginThrottle']; now: Clock }) {
  const { maxFailures, failureWindowMs, lockoutMs } = deps.throttle;
  const slowdownFrom = Math.max(1, Math.ceil(maxFailures / 2));

  function slowdownFor(failures: number): number {
    if (failures < slowdownFrom) return 0;
    return Math.min(lockoutMs, FIRST_SLOWDOWN_MS * 2 ** (failures - slowdownFrom));
  }

  const notLockedAt = (now: Date) => ({ lockedUntil: { $not: { $gt: now } } });

  /** The window a slot was taken in; null on counters written before windows had ids. */
  type WindowRef = Pick<LoginSlot, 'windowId'>;

  /** The fields that start a window: empty, unlocked, named afresh, kept until window and lock are over. */
  function freshWindow(now: Date, failures: number) {
    return {
      failures,
      windowId: randomUUID(),
      windowStartedAt: now,
      lockedUntil: null,
      lockedAt: null,
      expiresAt: addMs(now, failureWindowMs + lockoutMs),
    };
  }

  /** Takes a slot in the key's current window: one conditional $inc with the limit in the filter. */
  async function takeSlot(key: string, now: Date): Promise<WindowRef | null> {
    const attempt = await LoginAttemptModel.findOneAndUpdate(
      { _id: key, failures: { $lt: maxFailures }, windowStartedAt: { $gt: addMs(now, -failureWindowMs) }, ...notLockedAt(now) },
      { $inc: { failures: 1 }, $set: { expiresAt: addMs(now, failureWindowMs + lockoutMs) } },
      { projection: { windowId: 1 } },
    ).lean<Pick<LoginAttemptRecord, 'windowId'>>();
    return attempt ? { windowId: attempt.windowId ?? null } : null;
  }

  /**
   * Starts a new window holding this slot, when the old window has passed or its full lock has been
   * served, or creates the key's first window. An existing key that qualifies for neither makes the
   * upsert collide on _id: the key is full or locked, or a racing first failure has just created it,
   * so the slot is taken in that window if it has room. Counters are cleared in place, never deleted
   * while their window lasts, so a key that collided is still there for that second step.
   */
  async function takeOrOpen(key: string, now: Date): Promise<WindowRef | null> {
    const taken = await takeSlot(key, now);
    if (taken) return taken;
    const served = { lockedAt: { $ne: null }, lockedUntil: { $lte: now } };
    const window = freshWindow(now, 1);
    try {
      await LoginAttemptModel.updateOne(
        { _id: key, ...notLockedAt(now), $or: [{ windowStartedAt: { $lte: addMs(now, -failureWindowMs) } }, served] },
        { $set: window },
        { upsert: true },
      );
      return { windowId: window.windowId };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return takeSlot(key, now);
    }
  }

  async function retryAfterMs(key: string, now: Date): Promise<number> {
    const attempt = await LoginAttemptModel.findById(key, { lockedUntil: 1 }).lean<Pick<LoginAttemptRecord, 'lockedUntil'>>();
    const lockedForMs = attempt?.lockedUntil ? attempt.lockedUntil.getTime() - now.getTime() : 0;
    return Math.max(lockedForMs, SLOTS_IN_FLIGHT_RETRY_MS);
  }

  /**
   * Reserves a failure slot before a password is checked: on the subject's device cookie when it has
   * one with room, else on the account. Throws 429 RATE_LIMITED when neither has room.
   */
  async function reserveAttempt(subject: LoginSubject): Promise<LoginSlot> {
    const now = deps.now();
    const candidates: Omit<LoginSlot, 'windowId'>[] = [{ key: accountThrottleKey(subject.email), scope: 'account' }];
    if (subject.device) candidates.unshift({ key: deviceThrottleKey(subject.device), scope: 'device' });
    const waits: number[] = [];
    for (const candidate of candidates) {
      const window = await takeOrOpen(candidate.key, now);
      if (window) return { ...candidate, ...window };
      waits.push(await retryAfterMs(candidate.key, now));
    }
    throw new RateLimitedError(toSeconds(Math.min(...waits)), 'Too many failed sign-ins; try again later.');
  }

  /** Hands a slot back: its request ended without a wrong password (right password, BUSY, error). */
  async function releaseAttempt(slot: LoginSlot): Promise<void> {
    await LoginAttemptModel.updateOne({ _id: slot.key, windowId: slot.windowId, failures: { $gt: 0 } }, { $inc: { failures: -1 } });
  }

  /** Keeps a slot spent by a wrong password; slows the key down or locks it once it is full. */
  async function recordFailure(slot: LoginSlot): Promise<FailureOutcome> {
    const now = deps.now();
    const lockedUntil = addMs(now, lockoutMs);
    const locked = await LoginAttemptModel.updateOne(
      { _id: slot.key, failures: { $gte: maxFailures }, lockedAt: null },
      { $set: { lockedAt: now, lockedUntil, expiresAt: addMs(lockedUntil, failureWindowMs) } },
    );
    if (locked.modifiedCount > 0) return { lockedForMs: lockoutMs, lockStarted: true };
    const attempt = await LoginAttemptModel.findById(slot.key, { failures: 1, lockedAt: 1 }).lean<LoginAttemptRecord>();
    if (!attempt || attempt.lockedAt) return { lockedForMs: attempt ? lockoutMs : 0, lockStarted: false };
    const slowdownMs = slowdownFor(attempt.failures);
    if (slowdownMs > 0) {
      const slowedUntil = addMs(now, slowdownMs);
      await LoginAttemptModel.updateOne(
        { _id: slot.key, lockedAt: null, lockedUntil: { $not: { $gt: slowedUntil } } },
        { $set: { lockedUntil: slowedUntil } },
      );
    }
    return { lockedForMs: slowdownMs, lockStarted: false };
  }

  /**
   * Forgets the failures counted under a key and lifts its lock; only a completed login, a password
   * reset or an admin calls this. The counter starts a new, empty window in place (see takeOrOpen).
   */
  async function clearFailures(key: string): Promise<void> {
    await LoginAttemptModel.updateOne({ _id: key }, { $set: freshWindow(deps.now(), 0) });
  }

  /**
   * Deletes the counters of a deleted account: its address's and its device cookies'. The address is
   * free again, so a new account there starts without the old one's failures.
   */
  async function forgetAccount(account: { id: string; email: string }): Promise<void> {
    await Promise.all([
      LoginAttemptModel.deleteOne({ _id: accountThrottleKey(account.email) }),
      // An anchored prefix: the _id index finds them.
      LoginAttemptModel.deleteMany({ _id: { $regex: `^${deviceThrottleKey({ accountId: account.id, nonce: '' })}` } }),
    ]);
  }

  /** Deletes counters whose window and lock are over (what a TTL index does where the server has one). */
  async function sweepExpired(): Promise<number> {
    const result = await LoginAttemptModel.deleteMany({ expiresAt: { $lte: deps.now() } });
    return result.deletedCount;
  }

  return { reserveAttempt, releaseAttempt, recordFailure, clearFailures, forgetAccount, sweepExpired };
}
