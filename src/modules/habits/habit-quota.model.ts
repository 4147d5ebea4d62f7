import { model, Schema, type Types } from 'mongoose';

/**
 * One document per user: how many habits they have and the next `order` to hand out. Creating a habit
 * first reserves a slot here with one conditional `$inc` (`count < HABITS_MAX`), which is atomic on the
 * one document, so parallel creates at the limit cannot overshoot it. The same document carries the
 * user's list version, read by `_id` before every list.
 */
const habitQuotaSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    count: { type: Number, default: 0, required: true },
    nextOrder: { type: Number, default: 0, required: true },
    /** Moves after every change a user's habit list shows (see list-version.ts). */
    listVersion: { type: Number, default: 0, required: true },
  },
  { versionKey: false },
);

export interface HabitQuotaRecord {
  _id: Types.ObjectId;
  count: number;
  nextOrder: number;
  listVersion: number;
}

export const HabitQuotaModel = model('HabitQuota', habitQuotaSchema);
