import { model, Schema, type Types } from 'mongoose';

/**
 * "The weekly summary of this user and week is in the outbox." The _id is `<userId>:<week start>`.
 * Written only after the mail was queued (the outbox's own key makes that queueing happen once), so
 * later runs skip the week without composing it again; a record missing after a crash only costs the
 * next run a compose and a duplicate key.
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
