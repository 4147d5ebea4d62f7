import { weekdayOf } from './habit-dates';

/** Which days a habit is due: every day, or the listed weekdays (0 = Sunday). */
export interface Schedule {
  frequency: 'daily' | 'weekdays';
  weekdays: readonly number[];
}

/**
 * What a habit stores so that reads never touch its check-ins. Days before `anchor` can no longer
 * change (check-ins are only written within HABIT_BACKFILL_DAYS of today), so they are summed up by
 * `carry` (the run of checked scheduled days ending just before the anchor) and `bestBefore` (the best
 * run before it). A write re-walks only the days from the anchor to today. `anchor: null` means "walk
 * all history" (a new schedule changes which days count).
 */
export interface StreakState {
  anchor: number | null;
  carry: number;
  bestBefore: number;
  /** The run that holds the latest checked scheduled day: its last day and length. */
  lastRunEnd: number | null;
  lastRunLength: number;
  longest: number;
  /** The latest check-in, scheduled or not (completedToday). */
  lastCheckIn: number | null;
}

export const EMPTY_STREAKS: StreakState = {
  anchor: null,
  carry: 0,
  bestBefore: 0,
  lastRunEnd: null,
  lastRunLength: 0,
  longest: 0,
  lastCheckIn: null,
};

export function isScheduled(schedule: Schedule, day: number): boolean {
  return schedule.frequency === 'daily' || schedule.weekdays.includes(weekdayOf(day));
}

/** The latest scheduled day strictly before `day` (a schedule has at least one weekday, so within 7 days). */
export function previousScheduledDay(schedule: Schedule, day: number): number {
  for (let candidate = day - 1; candidate >= day - 7; candidate--) if (isScheduled(schedule, candidate)) return candidate;
  return day - 7;
}

/** The first day a walk must visit: the anchor, or (walking all history) the first check-in. */
function walkStartOf(state: StreakState, checkedDays: readonly number[], windowStart: number): number {
  if (state.anchor !== null) return state.anchor;
  return Math.min(windowStart, ...checkedDays);
}

/**
 * Recomputes the stored streak fields from the check-ins on days >= the anchor (all of them when the
 * anchor is null), walking each day from the anchor to today, and moves the anchor to the first day
 * that may still change (`today - backfillDays`).
 */
export function recomputeStreaks(
  state: StreakState,
  input: { schedule: Schedule; checkedDays: readonly number[]; today: number; backfillDays: number },
): StreakState {
  const { schedule, today } = input;
  const windowStart = today - input.backfillDays;
  const start = walkStartOf(state, input.checkedDays, windowStart);
  const anchor = Math.max(start, windowStart);
  const checked = new Set(input.checkedDays);
  let run = state.anchor === null ? 0 : state.carry;
  let best = state.anchor === null ? 0 : state.bestBefore;
  let lastRunEnd = run > 0 ? previousScheduledDay(schedule, start) : null;
  let lastRunLength = run;
  let carry = run;
  let bestBefore = best;
  for (let day = start; day <= today; day++) {
    if (day === anchor) [carry, bestBefore] = [run, best];
    if (!isScheduled(schedule, day)) continue;
    if (!checked.has(day)) {
      run = 0;
      continue;
    }
    run += 1;
    best = Math.max(best, run);
    [lastRunEnd, lastRunLength] = [day, run];
  }
  const latest = input.checkedDays.length > 0 ? Math.max(...input.checkedDays) : null;
  const earlier = state.lastCheckIn !== null && state.lastCheckIn < start ? state.lastCheckIn : null;
  return { anchor, carry, bestBefore, lastRunEnd, lastRunLength, longest: best, lastCheckIn: latest ?? earlier };
}

/**
 * The current streak at `today`: the latest run, if it ends today or, when today is not done (or not
 * due), on the last scheduled day before it; otherwise 0.
 */
export function currentStreak(state: StreakState, schedule: Schedule, today: number): number {
  if (state.lastRunEnd === null) return 0;
  return state.lastRunEnd >= previousScheduledDay(schedule, today) ? state.lastRunLength : 0;
}
