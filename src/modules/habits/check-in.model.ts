import { model, Schema, type Types } from 'mongoose';

/**
 * One checked day of one habit. The _id is `<habitId>:<YYYY-MM-DD>`: a second check-in of the same day,
 * however many race, is a duplicate key and never a second document, and one habit's days are a
 * contiguous, date-ordered range of the _id index (ranges and streak windows read no other documents).
 */
const checkInSchema = new Schema(
  {
    _id: { type: String, required: true },
    habitId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    date: { type: String, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

// Deleting a habit finds its check-ins.
checkInSchema.index({ habitId: 1 });
// The weekly summary reads one user's week across habits; deleting an account uses the same index.
checkInSchema.index({ userId: 1, date: 1 });

export interface CheckInRecord {
  _id: string;
  habitId: Types.ObjectId;
  userId: Types.ObjectId;
  date: string;
  createdAt: Date;
}

export const CheckInModel = model('CheckIn', checkInSchema);

export function checkInIdOf(habitId: Types.ObjectId | string, date: string): string {
  return `${habitId.toString()}:${date}`;
}

/** Longest span looked up day by day; a longer one (all history, after a schedule change) reads the range. */
const MAX_LISTED_DAYS = 400;

/**
 * The filter of one habit's check-ins on days `from` to `to` (day numbers, inclusive). Short spans name
 * each possible _id (`$in`): an index lookup per day on MongoDB and on the test database alike, where a
 * range on _id is a scan. Longer ones use the _id range (ISO dates sort as strings).
 */
export function checkInsBetween(habitId: Types.ObjectId | string, from: number, to: number, dateOf: (day: number) => string) {
  if (to - from + 1 > MAX_LISTED_DAYS) return { _id: { $gte: checkInIdOf(habitId, dateOf(from)), $lte: checkInIdOf(habitId, dateOf(to)) } };
  return { _id: { $in: Array.from({ length: Math.max(0, to - from + 1) }, (_, offset) => checkInIdOf(habitId, dateOf(from + offset))) } };
}
