import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/errors';
import { HabitQuotaModel } from './habit-quota.model';

/**
 * A user's habit list version: a counter on their quota document that every change a list shows
 * moves (habits created, changed, reordered, deleted, checked in; settings). Order makes it safe for
 * caches on every instance: a writer moves the version after its write, a reader reads the version
 * before the data, so a list rendered at version v holds every write that moved the version to v
 * or below. A write that answered success has moved it (a failed move fails the request; the retry
 * of an idempotent write moves it again).
 */
export async function listVersionOf(userId: string): Promise<number> {
  const quota = await HabitQuotaModel.collection.findOne({ _id: new Types.ObjectId(userId) }, { projection: { listVersion: 1 } });
  return (quota?.listVersion as number | undefined) ?? 0;
}

/** Moves the user's list version (creating the quota document of a user who has none yet). */
export async function moveListVersion(userId: Types.ObjectId | string, retry = true): Promise<void> {
  try {
    await HabitQuotaModel.updateOne({ _id: userId }, { $inc: { listVersion: 1 } }, { upsert: true });
  } catch (error) {
    // Two first upserts raced on the unique _id: the document exists now, and the retry moves it.
    if (!retry || !isDuplicateKeyError(error)) throw error;
    await moveListVersion(userId, false);
  }
}
