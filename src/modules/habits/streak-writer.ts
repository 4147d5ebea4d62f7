import { BusyError, NotFoundError } from '../../errors/app-error';
import { CheckInModel, checkInsBetween } from './check-in.model';
import { dateOfDay, dayNumberOf } from './habit-dates';
import { HabitModel, type HabitRecord } from './habit.model';
import { recomputeStreaks, type StreakState } from './streaks';

const MAX_ATTEMPTS = 64;
/** Day number of 0001-01-01: "from the beginning" when all history is walked. */
const BEGINNING = -719_162;

function sameStreaks(a: StreakState, b: StreakState): boolean {
  return (Object.keys(a) as (keyof StreakState)[]).every((key) => a[key] === b[key]);
}

/**
 * Brings a habit's stored streak fields up to date with its check-ins. Each attempt reads the habit's
 * check-ins from the anchor to today (a bounded window; all of them only after a schedule change) and
 * writes the result only if the habit's `version` is still the one it read (compare-and-set on the one
 * habit document). A request that lost the race reads again, after the winner's write, so the last
 * write has always seen every check-in made before it: racing check-ins of different days all count,
 * and racing check-ins of one day are one document and count once.
 */
export function createStreakWriter(deps: { backfillDays: number }) {
  async function checkedDaysOf(habit: HabitRecord, today: number): Promise<number[]> {
    const from = habit.streak.anchor ?? BEGINNING;
    const checkIns = await CheckInModel.find(checkInsBetween(habit._id, from, today, dateOfDay), { _id: 1 }).lean();
    return checkIns.map((checkIn) => dayNumberOf(checkIn._id.slice(-10))).filter((day): day is number => day !== null);
  }

  /** Recomputes and stores the streak fields of `habit` as of `today`; the habit as stored afterwards. */
  async function refreshStreaks(habit: HabitRecord, today: number): Promise<HabitRecord> {
    let current = habit;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const checkedDays = await checkedDaysOf(current, today);
      const streak = recomputeStreaks(current.streak, { schedule: current, checkedDays, today, backfillDays: deps.backfillDays });
      if (sameStreaks(streak, current.streak)) return current;
      const written = await HabitModel.findOneAndUpdate(
        { _id: current._id, version: current.version },
        { $set: { streak }, $inc: { version: 1 } },
        { new: true },
      ).lean<HabitRecord>();
      if (written) return written;
      const reread = await HabitModel.findById(current._id).lean<HabitRecord>();
      if (!reread) throw new NotFoundError('No such habit.');
      current = reread;
    }
    throw new BusyError(1, 'The habit is being changed by many requests at once; try again.');
  }

  return { refreshStreaks };
}
