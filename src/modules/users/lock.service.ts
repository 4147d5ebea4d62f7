import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/env';
import { isDuplicateKeyError } from '../../db/errors';
import { AppError } from '../../errors/app-error';
import { addMs, type Clock } from '../../lib/clock';
import { LockModel } from './lock.model';

const RETRY_DELAY_MS = 20;

const busy = (): AppError => new AppError(503, 'BUSY', 'The service is busy; try again.');

/** What a task holding a lock can ask of it. */
export interface Lease {
  /** Extends the lease before a decisive write; throws BUSY when it ran out meanwhile and another may hold it. */
  assertHeld(): Promise<void>;
}

/**
 * Runs `task` while holding a named lease shared by every instance. Acquisition is one conditional
 * upsert: a held, unexpired lease makes the filter miss and the insert hit the unique _id (11000).
 * A crashed holder's lease simply expires, and a waiter waits at least one lease (the configuration
 * refuses a wait shorter than the lease), so a crash never turns into BUSY answers by itself.
 */
export function createLockService(deps: { locks: Config['locks']; now: Clock }) {
  const { leaseMs, waitMs } = deps.locks;

  async function tryAcquire(name: string, holder: string): Promise<boolean> {
    const now = deps.now();
    try {
      await LockModel.findOneAndUpdate(
        { _id: name, expiresAt: { $lte: now } },
        { $set: { holder, expiresAt: addMs(now, leaseMs) } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  function leaseOf(name: string, holder: string): Lease {
    return {
      async assertHeld() {
        const now = deps.now();
        const renewed = await LockModel.updateOne(
          { _id: name, holder, expiresAt: { $gt: now } },
          { $set: { expiresAt: addMs(now, leaseMs) } },
        );
        if (renewed.matchedCount === 0) throw busy();
      },
    };
  }

  async function withLock<T>(name: string, task: (lease: Lease) => Promise<T>): Promise<T> {
    const holder = randomUUID();
    const giveUpAt = Date.now() + waitMs;
    while (!(await tryAcquire(name, holder))) {
      if (Date.now() > giveUpAt) throw busy();
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
    try {
      return await task(leaseOf(name, holder));
    } finally {
      await LockModel.deleteOne({ _id: name, holder });
    }
  }

  return { withLock };
}

export type LockService = ReturnType<typeof createLockService>;
