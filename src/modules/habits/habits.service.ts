import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/errors';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-error';
import { prepareJson, type PreparedJson } from '../../lib/prepared-json';
import { CheckInModel } from './check-in.model';
import type { HabitCalendar } from './habit-calendar';
import type { HabitListCache } from './habit-list-cache';
import { archivedNameKeyOf, HabitModel, nameKeyOf, type HabitRecord } from './habit.model';
import { HabitQuotaModel } from './habit-quota.model';
import type { CreateHabitInput, UpdateHabitInput } from './habits.schemas';
import { toHabitView, type HabitView } from './habit.view';
import type { createStreakWriter } from './streak-writer';
import { listVersionOf, moveListVersion } from './list-version';
import { EMPTY_STREAKS } from './streaks';

const nameTaken = (): ConflictError => new ConflictError('HABIT_NAME_TAKEN', 'You already have an active habit with this name.');
const limitReached = (max: number): ConflictError =>
  new ConflictError('HABIT_LIMIT_REACHED', `You have ${max} habits, the most allowed; delete one first.`);

/** What a listed habit's view reads (not the owner, uniqueness key, version or the walk's anchor fields). */
const LIST_PROJECTION = {
  userId: 0,
  nameKey: 0,
  version: 0,
  'streak.anchor': 0,
  'streak.carry': 0,
  'streak.bestBefore': 0,
} as const;

export type HabitService = ReturnType<typeof createHabitService>;

/** Habits: one user's own, never anyone else's (every query names the owner). */
export function createHabitService(deps: {
  calendar: HabitCalendar;
  streaks: ReturnType<typeof createStreakWriter>;
  limits: { max: number; backfillDays: number };
  lists: HabitListCache;
}) {
  const { calendar, lists } = deps;

  /** The caller's habit, or null for an unknown id and for another user's habit alike. */
  async function findOwnHabit(userId: string, habitId: string): Promise<HabitRecord | null> {
    return HabitModel.findOne({ _id: habitId, userId }).lean<HabitRecord>();
  }

  /** The habits as stored now, rendered for the user's today. */
  async function renderList(userId: string, archived: boolean): Promise<{ timeZone: string; today: number; rendered: PreparedJson }> {
    const [settings, habits] = await Promise.all([
      calendar.settingsFor(userId),
      HabitModel.collection
        .find({ userId: new Types.ObjectId(userId), archived }, { projection: LIST_PROJECTION, sort: { order: 1, _id: 1 } })
        .toArray() as Promise<HabitRecord[]>,
    ]);
    const today = calendar.todayIn(settings);
    return { timeZone: settings.timeZone, today, rendered: prepareJson({ data: habits.map((habit) => toHabitView(habit, today)) }) };
  }

  /**
   * `{ data: [habit] }` of the user's active (or archived) habits in their order; reads no check-ins.
   * The answer rendered for the user's list version and day is kept on this instance: a repeated list
   * reads one small document by `_id` (the version) instead of every habit, and sends bytes already
   * serialised and compressed. The version is read first, so the cache is right across instances.
   */
  async function listHabits(userId: string, archived: boolean): Promise<PreparedJson> {
    const key = `${userId}:${archived}`;
    const version = await listVersionOf(userId);
    const cached = lists.find(key, version);
    if (cached && calendar.todayIn(cached) === cached.today) return cached.rendered;
    const fresh = await renderList(userId, archived);
    lists.store(key, { version, ...fresh });
    return fresh.rendered;
  }

  /**
   * Takes one of the user's HABITS_MAX slots with one conditional `$inc`, atomic on the user's quota
   * document, and answers the new habit's `order`. The first habit's upsert may race another's and
   * hit the unique _id: the second try then finds the document.
   */
  async function reserveSlot(userId: Types.ObjectId, retry = true): Promise<number> {
    try {
      const quota = await HabitQuotaModel.findOneAndUpdate(
        { _id: userId, count: { $lt: deps.limits.max } },
        { $inc: { count: 1, nextOrder: 1 } },
        { upsert: true, new: true },
      ).lean();
      return quota.nextOrder - 1;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      if (retry) return reserveSlot(userId, false);
      throw limitReached(deps.limits.max);
    }
  }

  async function releaseSlot(userId: Types.ObjectId | string): Promise<void> {
    await HabitQuotaModel.updateOne({ _id: userId, count: { $gt: 0 } }, { $inc: { count: -1 } });
  }

  /** Creates a habit; 409 HABIT_LIMIT_REACHED at HABITS_MAX, HABIT_NAME_TAKEN when an active habit has the name. */
  async function createHabit(userId: string, input: CreateHabitInput): Promise<HabitView> {
    const owner = new Types.ObjectId(userId);
    const today = await calendar.todayFor(userId);
    const order = await reserveSlot(owner);
    try {
      const habit = await HabitModel.create({
        userId: owner,
        name: input.name,
        nameKey: nameKeyOf(input.name),
        description: input.description,
        color: input.color,
        frequency: input.frequency,
        weekdays: input.frequency === 'weekdays' ? [...new Set(input.weekdays)].sort((a, b) => a - b) : [],
        order,
        streak: { ...EMPTY_STREAKS, anchor: today - deps.limits.backfillDays },
      });
      await moveListVersion(owner);
      return toHabitView(habit.toObject<HabitRecord>(), today);
    } catch (error) {
      await releaseSlot(owner);
      if (isDuplicateKeyError(error)) throw nameTaken();
      throw error;
    }
  }

  async function showHabit(habit: HabitRecord, userId: string): Promise<HabitView> {
    return toHabitView(habit, await calendar.todayFor(userId));
  }

  /** The `$set` of a change; a new schedule also restarts the streak walk from the first check-in. */
  function changesOf(habit: HabitRecord, input: UpdateHabitInput): Record<string, unknown> {
    const { weekdays, ...fields } = input;
    const set: Record<string, unknown> = { ...fields };
    const frequency = input.frequency ?? habit.frequency;
    const days = frequency === 'daily' ? [] : weekdays ? [...new Set(weekdays)].sort((a, b) => a - b) : habit.weekdays;
    if (frequency === 'weekdays' && days.length === 0) {
      throw new ValidationError([{ path: 'weekdays', message: 'is required when frequency is weekdays' }]);
    }
    set.weekdays = days;
    if (frequency !== habit.frequency || days.join() !== habit.weekdays.join()) set['streak.anchor'] = null;
    const archived = input.archived ?? habit.archived;
    set.nameKey = archived ? archivedNameKeyOf(habit._id) : nameKeyOf(input.name ?? habit.name);
    return set;
  }

  /** Changes a habit's fields; 409 HABIT_NAME_TAKEN when the (un)archived name meets an active habit's. */
  async function updateHabit(habit: HabitRecord, userId: string, input: UpdateHabitInput): Promise<HabitView> {
    const set = changesOf(habit, input);
    const rescheduled = set['streak.anchor'] === null;
    let updated: HabitRecord | null;
    try {
      // A new schedule moves the version too, so a check-in computed under the old one cannot be stored.
      updated = await HabitModel.findOneAndUpdate(
        { _id: habit._id, userId },
        { $set: set, ...(rescheduled ? { $inc: { version: 1 } } : {}) },
        { new: true },
      ).lean<HabitRecord>();
    } catch (error) {
      if (isDuplicateKeyError(error)) throw nameTaken();
      throw error;
    }
    if (!updated) throw new NotFoundError('No such habit.');
    const today = await calendar.todayFor(userId);
    if (rescheduled) updated = await deps.streaks.refreshStreaks(updated, today);
    await moveListVersion(userId);
    return toHabitView(updated, today);
  }

  /**
   * Deletes a habit and its check-ins. Check-ins go first, so an interruption leaves the habit to
   * delete again rather than check-ins nobody can reach, and once more after the habit, for a check-in
   * that raced the delete.
   */
  async function deleteHabit(habit: HabitRecord, userId: string): Promise<void> {
    await CheckInModel.deleteMany({ habitId: habit._id });
    const deleted = await HabitModel.deleteOne({ _id: habit._id, userId });
    if (deleted.deletedCount === 0) throw new NotFoundError('No such habit.');
    await CheckInModel.deleteMany({ habitId: habit._id });
    await releaseSlot(habit.userId);
    await moveListVersion(userId);
  }

  /** Puts the user's active habits in the given order; `ids` must be exactly those habits. */
  async function reorderHabits(userId: string, ids: string[]): Promise<void> {
    const active = await HabitModel.find({ userId, archived: false }, { _id: 1 }).lean();
    const known = new Set(active.map((habit) => habit._id.toString()));
    if (new Set(ids).size !== ids.length || ids.length !== known.size || !ids.every((id) => known.has(id))) {
      throw new ValidationError([{ path: 'ids', message: 'must list each of your active habits exactly once' }]);
    }
    if (ids.length === 0) return;
    await HabitModel.bulkWrite(
      ids.map((id, order) => ({ updateOne: { filter: { _id: new Types.ObjectId(id), userId }, update: { $set: { order } } } })),
    );
    await moveListVersion(userId);
  }

  return { findOwnHabit, listHabits, createHabit, showHabit, updateHabit, deleteHabit, reorderHabits };
}
