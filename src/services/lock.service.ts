import { randomUUID } from 'node:crypto';
import { isDuplicateKeyError } from '../db/errors';
import { AppError } from '../errors/app-error';
import { addMs, type Clock } from '../lib/clock';
import { LockModel } from '../models/lock.model';

const LEASE_MS = 10_000;
const RETRY_DELAY_MS = 20;
const MAX_WAIT_MS = 5_000;

/**
 * Runs `task` while holding a named lease shared by every instance. Acquisition is one conditional
 * upsert: a held, unexpired lease makes the filter miss and the insert hit the unique _id (11000).
 * A crashed holder's lease simply expires.
 */
export function createLockService(deps: { now: Clock }) {
  async function tryAcquire(name: string, holder: string): Promise<boolean> {
    const now = deps.now();
    try {
      await LockModel.findOneAndUpdate(
        { _id: name, expiresAt: { $lte: now } },
        { $set: { holder, expiresAt: addMs(now, LEASE_MS) } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
    const holder = randomUUID();
    const giveUpAt = Date.now() + MAX_WAIT_MS;
    while (!(await tryAcquire(name, holder))) {
      if (Date.now() > giveUpAt) throw new AppError(503, 'BUSY', 'The service is busy; try again.');
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
    try {
      return await task();
    } finally {
      await LockModel.deleteOne({ _id: name, holder });
    }
  }

  return { withLock };
}

export type LockService = ReturnType<typeof createLockService>;
