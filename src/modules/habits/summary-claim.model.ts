import { model, Schema, type Types } from 'mongoose';

/**
 * "The weekly summary of this user and week is taken care of." The _id is `<userId>:<week start>`: of
 * any number of instances (or runs after a restart) exactly one insert succeeds, and only its owner
 * queues the mail.
 */
const summaryClaimSchema = new Schema(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    claimedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

summaryClaimSchema.index({ userId: 1 });
summaryClaimSchema.index({ claimedAt: 1 });

export interface SummaryClaimRecord {
  _id: string;
  userId: Types.ObjectId;
  claimedAt: Date;
}

export const SummaryClaimModel = model('HabitSummaryClaim', summaryClaimSchema);
