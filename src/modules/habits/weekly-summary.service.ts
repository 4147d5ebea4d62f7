import { isDuplicateKeyError } from '../../db/errors';
import { addMs, type Clock } from '../../lib/clock';
import { renderMail, type MailContent, type MailOutboxService } from '../mail';
import type { SettingsSubscriber, UserSettingsRecords } from '../users';
import { CheckInModel } from './check-in.model';
import { dateOfDay, dayIn, weekdayOf } from './habit-dates';
import { HabitModel, type HabitRecord } from './habit.model';
import { currentStreak } from './streaks';
import { SummaryClaimModel } from './summary-claim.model';

const PAGE_SIZE = 200;
/** Records of weeks this old are no longer consulted (only the last finished week is ever sent). */
const CLAIM_RETENTION_MS = 35 * 86_400_000;

/** The last finished week of a user: its first and last day, by their week start and time zone. */
export function lastFinishedWeek(settings: { timeZone: string; weekStart: number }, now: Date): { from: number; to: number } {
  const today = dayIn(settings.timeZone, now);
  const thisWeekStart = today - ((weekdayOf(today) - settings.weekStart + 7) % 7);
  return { from: thisWeekStart - 7, to: thisWeekStart - 1 };
}

export type WeeklySummaryService = ReturnType<typeof createWeeklySummaryService>;

/**
 * The weekly summary mail, exactly once per user and week across instances, retries and restarts.
 * The mail goes into the outbox under a key of its own, `habit_weekly_summary:<userId>:<week start>`
 * (enqueueMailOnce: one insert wins, the others meet the duplicate key), and only then is the week
 * recorded as done in `habitsummaryclaims`, which spares later runs composing it again. A crash at
 * any point leaves either no mail and no record (the next run queues it) or the mail without the
 * record (the next run meets the duplicate and records it): never none, never two.
 */
export function createWeeklySummaryService(deps: {
  now: Clock;
  users: Pick<UserSettingsRecords, 'listMailSubscribers'>;
  outbox: Pick<MailOutboxService, 'enqueueMailOnce'>;
  productName: string;
}) {
  async function compose(habits: HabitRecord[], week: { from: number; to: number }, timeZone: string): Promise<MailContent> {
    const checkIns = await CheckInModel.find(
      { userId: habits[0]!.userId, date: { $gte: dateOfDay(week.from), $lte: dateOfDay(week.to) } },
      { habitId: 1 },
    ).lean();
    const counts = new Map<string, number>();
    for (const checkIn of checkIns) counts.set(checkIn.habitId.toString(), (counts.get(checkIn.habitId.toString()) ?? 0) + 1);
    const today = dayIn(timeZone, deps.now());
    const facts: Record<string, string> = { Week: `${dateOfDay(week.from)} to ${dateOfDay(week.to)}` };
    for (const habit of habits) {
      const done = counts.get(habit._id.toString()) ?? 0;
      facts[`- ${habit.name}`] = `${done} ${done === 1 ? 'day' : 'days'} done, current streak ${currentStreak(habit.streak, habit, today)}`;
    }
    // Only proven addresses get here (listMailSubscribers), so habit names may appear; the greeting stays nameless.
    return renderMail('habit_weekly_summary', { productName: deps.productName, name: null, facts });
  }

  /** Records the week as queued (idempotent: a racing run may record it too). */
  async function recordQueued(weekId: string, userId: string): Promise<void> {
    try {
      await SummaryClaimModel.updateOne({ _id: weekId }, { $setOnInsert: { userId, claimedAt: deps.now() } }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** Queues the summary of the user's last finished week unless it already is; true when this call queued it. */
  async function sendIfDue(subscriber: SettingsSubscriber): Promise<boolean> {
    const week = lastFinishedWeek(subscriber.settings, deps.now());
    const weekId = `${subscriber.id}:${dateOfDay(week.from)}`;
    if (await SummaryClaimModel.exists({ _id: weekId })) return false;
    const habits = await HabitModel.find({ userId: subscriber.id, archived: false }).sort({ order: 1 }).lean<HabitRecord[]>();
    if (habits.length === 0) return false;
    const content = await compose(habits, week, subscriber.settings.timeZone);
    const queued = await deps.outbox.enqueueMailOnce(
      `habit_weekly_summary:${weekId}`,
      'habit_weekly_summary',
      subscriber.email,
      content,
      subscriber.id,
    );
    await recordQueued(weekId, subscriber.id);
    return queued;
  }

  /** One pass over every subscriber, page by page; answers how many mails this run queued. */
  async function runOnce(): Promise<number> {
    let queued = 0;
    let after: string | null = null;
    for (;;) {
      const page = await deps.users.listMailSubscribers(after, PAGE_SIZE);
      for (const subscriber of page) if (await sendIfDue(subscriber)) queued += 1;
      if (page.length < PAGE_SIZE) break;
      after = page[page.length - 1]!.id;
    }
    await SummaryClaimModel.deleteMany({ claimedAt: { $lt: addMs(deps.now(), -CLAIM_RETENTION_MS) } });
    return queued;
  }

  return { runOnce };
}
