import { Types } from 'mongoose';
import { CheckInModel } from './check-in.model';
import { HabitModel } from './habit.model';
import { HabitQuotaModel } from './habit-quota.model';
import { SummaryClaimModel } from './summary-claim.model';

const ORPHAN_BATCH = 500;

/** What the habits module keeps about an account, for its deletion. */
export function createHabitData(deps: { existingUserIds: (ids: readonly Types.ObjectId[]) => Promise<Set<string>> }) {
  /**
   * Deletes the user's check-ins, habits, summary claims and, last, the quota document: it marks a user
   * with habits, so an interrupted deletion is finished by sweepOrphans.
   */
  async function forgetUser(userId: string): Promise<void> {
    if (!Types.ObjectId.isValid(userId)) return;
    await CheckInModel.deleteMany({ userId });
    await HabitModel.deleteMany({ userId });
    await SummaryClaimModel.deleteMany({ userId });
    await HabitQuotaModel.deleteOne({ _id: userId });
  }

  /** Finishes deletions a crash interrupted: forgets users that have a quota document but no account. Answers how many. */
  async function sweepOrphans(): Promise<number> {
    let forgotten = 0;
    let after: Types.ObjectId | null = null;
    for (;;) {
      const batch: { _id: Types.ObjectId }[] = await HabitQuotaModel.find(after ? { _id: { $gt: after } } : {}, { _id: 1 })
        .sort({ _id: 1 })
        .limit(ORPHAN_BATCH)
        .lean();
      if (batch.length === 0) return forgotten;
      const existing = await deps.existingUserIds(batch.map((quota) => quota._id));
      for (const quota of batch) {
        if (existing.has(quota._id.toHexString())) continue;
        await forgetUser(quota._id.toHexString());
        forgotten += 1;
      }
      after = batch[batch.length - 1]!._id;
    }
  }

  return { forgetUser, sweepOrphans };
}
