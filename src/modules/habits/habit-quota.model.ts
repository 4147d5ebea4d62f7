import { model, Schema, type Types } from 'mongoose';

/**
 * One document per user: how many habits they have and the next `order` to hand out. Creating a habit
 * first reserves a slot here with one conditional `$inc` (`count < HABITS_MAX`), which is atomic on the
 * one document, so parallel creates at the limit cannot overshoot it.
 */
const habitQuotaSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    count: { type: Number, default: 0, required: true },
    nextOrder: { type: Number, default: 0, required: true },
  },
  { versionKey: false },
);

export interface HabitQuotaRecord {
  _id: Types.ObjectId;
  count: number;
  nextOrder: number;
}

export const HabitQuotaModel = model('HabitQuota', habitQuotaSchema);
