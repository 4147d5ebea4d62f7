import { isDuplicateKeyError } from '../../db/errors';
import { AppError, ValidationError } from '../../errors/app-error';
import { CheckInModel, checkInIdOf, checkInsBetween } from './check-in.model';
import type { HabitCalendar } from './habit-calendar';
import { dateOfDay, dayIn, dayNumberOf } from './habit-dates';
import type { HabitRecord } from './habit.model';
import type { HabitStatsView } from './habit.response';
import { toHabitView, type HabitView } from './habit.view';
import { moveListVersion } from './list-version';
import type { createStreakWriter } from './streak-writer';
import { currentStreak, isScheduled, type Schedule } from './streaks';

const MAX_RANGE_DAYS = 366;
const DEFAULT_RANGE_DAYS = 30;

const dateRefused = (detail: string): AppError => new AppError(400, 'CHECK_IN_DATE_INVALID', detail);

/** Share of the scheduled days in [from, to] that were checked, rounded to 4 places; 0 when none was due. */
function completionRate(schedule: Schedule, checked: Set<number>, from: number, to: number): number {
  let due = 0;
  let done = 0;
  for (let day = from; day <= to; day++) {
    if (!isScheduled(schedule, day)) continue;
    due += 1;
    if (checked.has(day)) done += 1;
  }
  return due === 0 ? 0 : Math.round((done / due) * 10_000) / 10_000;
}

export type CheckInService = ReturnType<typeof createCheckInService>;

/** Check-ins of the caller's own habits, and the figures drawn from them. */
export function createCheckInService(deps: {
  calendar: HabitCalendar;
  streaks: ReturnType<typeof createStreakWriter>;
  limits: { backfillDays: number };
}) {
  const { calendar, streaks } = deps;

  /** Throws 400 CHECK_IN_DATE_INVALID for a day after today or before the writable window. */
  function assertWritableDay(habit: HabitRecord, day: number, today: number): void {
    if (day > today) throw dateRefused('The date is after your today.');
    const earliest = Math.max(today - deps.limits.backfillDays, habit.streak.anchor ?? -Infinity);
    if (day < earliest) throw dateRefused(`Check-ins can be changed for the last ${deps.limits.backfillDays} days only.`);
  }

  /** Stores the streaks after a check-in write and moves the list version (also when nothing changed: a retry's move). */
  async function viewAfterWrite(habit: HabitRecord, today: number): Promise<HabitView> {
    const updated = await streaks.refreshStreaks(habit, today);
    await moveListVersion(habit.userId);
    return toHabitView(updated, today);
  }

  /** Marks the day done (idempotent: a repeated or racing check-in of the day is the same document). */
  async function checkIn(habit: HabitRecord, userId: string, date: string): Promise<HabitView> {
    const today = await calendar.todayFor(userId);
    assertWritableDay(habit, dayNumberOf(date)!, today);
    try {
      await CheckInModel.create({ _id: checkInIdOf(habit._id, date), habitId: habit._id, userId: habit.userId, date });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    return viewAfterWrite(habit, today);
  }

  /** Marks the day not done (idempotent). */
  async function uncheck(habit: HabitRecord, userId: string, date: string): Promise<HabitView> {
    const today = await calendar.todayFor(userId);
    assertWritableDay(habit, dayNumberOf(date)!, today);
    await CheckInModel.deleteOne({ _id: checkInIdOf(habit._id, date) });
    return viewAfterWrite(habit, today);
  }

  /** The checked days in [from, to] (default: the 30 days up to today), at most 366 days. */
  async function listCheckIns(habit: HabitRecord, userId: string, range: { from?: string; to?: string }): Promise<string[]> {
    const to = range.to ? dayNumberOf(range.to)! : await calendar.todayFor(userId);
    const from = range.from ? dayNumberOf(range.from)! : to - DEFAULT_RANGE_DAYS + 1;
    if (from > to) throw new ValidationError([{ path: 'from', message: 'must not be after to' }]);
    if (to - from + 1 > MAX_RANGE_DAYS)
      throw new ValidationError([{ path: 'to', message: `the range spans at most ${MAX_RANGE_DAYS} days` }]);
    const checkIns = await CheckInModel.find(checkInsBetween(habit._id, from, to, dateOfDay), { date: 1 }).lean();
    return checkIns.map((checkIn) => checkIn.date).sort();
  }

  /**
   * Streaks (stored), completion over the last 7 and 30 days and the total. The rate counts today only
   * once it is done, and no day before the habit existed unless it was checked (backfill).
   */
  async function statsOf(habit: HabitRecord, userId: string): Promise<HabitStatsView> {
    const settings = await calendar.settingsFor(userId);
    const today = calendar.todayIn(settings);
    const [recent, total] = await Promise.all([
      CheckInModel.find(checkInsBetween(habit._id, today - 29, today, dateOfDay), { _id: 1 }).lean(),
      CheckInModel.countDocuments({ habitId: habit._id }),
    ]);
    const checked = new Set(recent.map((checkIn) => dayNumberOf(checkIn._id.slice(-10))!));
    const end = checked.has(today) ? today : today - 1;
    const firstDay = Math.min(dayIn(settings.timeZone, habit.createdAt), ...checked);
    const rate = (days: number) => completionRate(habit, checked, Math.max(end - days + 1, firstDay), end);
    return {
      streak: { current: currentStreak(habit.streak, habit, today), longest: habit.streak.longest },
      completionRate: { last7: rate(7), last30: rate(30) },
      total,
    };
  }

  return { checkIn, uncheck, listCheckIns, statsOf };
}
