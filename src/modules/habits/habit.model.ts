import { model, Schema, type Types } from 'mongoose';
import type { StreakState } from './streaks';

export const HABIT_FREQUENCIES = ['daily', 'weekdays'] as const;
export type HabitFrequency = (typeof HABIT_FREQUENCIES)[number];

const streakSchema = new Schema(
  {
    anchor: { type: Number, default: null },
    carry: { type: Number, default: 0 },
    bestBefore: { type: Number, default: 0 },
    lastRunEnd: { type: Number, default: null },
    lastRunLength: { type: Number, default: 0 },
    longest: { type: Number, default: 0 },
    lastCheckIn: { type: Number, default: null },
  },
  { _id: false },
);

const habitSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    /**
     * The uniqueness key: the case-folded name while the habit is active, `archived:<id>` once archived.
     * MongoDB enforces the index below only among active habits (partial); the test database enforces
     * partial indexes as plain unique ones, and the per-habit key of archived habits keeps the rule
     * "unique among active habits" true there as well.
     */
    nameKey: { type: String, required: true },
    description: { type: String, default: '' },
    color: { type: String, required: true },
    frequency: { type: String, enum: HABIT_FREQUENCIES, required: true },
    weekdays: { type: [Number], default: [] },
    archived: { type: Boolean, default: false, required: true },
    order: { type: Number, required: true },
    streak: { type: streakSchema, default: () => ({}) },
    /** Moves with every streak write: the compare-and-set guard of concurrent check-ins. */
    version: { type: Number, default: 0, required: true },
  },
  { timestamps: true, versionKey: false },
);

habitSchema.index({ userId: 1, nameKey: 1 }, { unique: true, partialFilterExpression: { archived: false } });
// GET /habits: one user's active (or archived) habits in their order.
habitSchema.index({ userId: 1, archived: 1, order: 1 });

export interface HabitRecord {
  _id: Types.ObjectId;
  userId: Types.ObjectId;
  name: string;
  nameKey: string;
  description: string;
  color: string;
  frequency: HabitFrequency;
  weekdays: number[];
  archived: boolean;
  order: number;
  streak: StreakState;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const HabitModel = model('Habit', habitSchema);

/** The uniqueness key of an active habit's name: trimmed, case-folded. */
export function nameKeyOf(name: string): string {
  return name.trim().normalize('NFKC').toLowerCase();
}

export function archivedNameKeyOf(habitId: Types.ObjectId | string): string {
  return `archived:${habitId.toString()}`;
}
