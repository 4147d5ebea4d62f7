import type { Types } from 'mongoose';
import type { Config } from '../../config/env';
import type { Clock } from '../../lib/clock';
import type { MailOutboxService } from '../mail';
import type { UserSettingsRecords } from '../users';
import { createCheckInService } from './check-ins.service';
import { createHabitCalendar } from './habit-calendar';
import { createHabitData } from './habit-data.service';
import { createHabitListCache } from './habit-list-cache';
import { createHabitService } from './habits.service';
import { createSettingsService } from './settings.service';
import { createStreakWriter } from './streak-writer';
import { createWeeklySummaryJob } from './weekly-summary.job';
import { createWeeklySummaryService } from './weekly-summary.service';

/** Builds the habits capability's services and its job (one call in container.ts). */
export function createHabitsServices(deps: {
  now: Clock;
  limits: Config['habits'];
  users: UserSettingsRecords;
  outbox: Pick<MailOutboxService, 'enqueueMailOnce'>;
  productName: string;
  existingUserIds: (ids: readonly Types.ObjectId[]) => Promise<Set<string>>;
}) {
  const { now, limits } = deps;
  const calendar = createHabitCalendar({ now, settings: deps.users });
  const streaks = createStreakWriter({ backfillDays: limits.backfillDays });
  const summaries = createWeeklySummaryService({ now, users: deps.users, outbox: deps.outbox, productName: deps.productName });
  return {
    habits: createHabitService({ calendar, streaks, limits, lists: createHabitListCache(limits.listCacheEntries) }),
    checkIns: createCheckInService({ calendar, streaks, limits }),
    settings: createSettingsService({ calendar, users: deps.users }),
    data: createHabitData({ existingUserIds: deps.existingUserIds }),
    summaries,
    job: createWeeklySummaryJob(summaries, limits.summaryIntervalMs),
  };
}

export type HabitsServices = ReturnType<typeof createHabitsServices>;
