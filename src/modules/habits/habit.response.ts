import { z } from 'zod';
import { idResponse, timestampResponse } from '../../lib/response.schemas';
import { HABIT_FREQUENCIES } from './habit.model';

const streakResponse = z
  .strictObject({
    current: z
      .int()
      .min(0)
      .meta({ description: 'Consecutive scheduled days checked, ending today or (today not done yet) the last due day' }),
    longest: z.int().min(0),
  })
  .meta({ id: 'Streak' });

export const habitResponse = z
  .strictObject({
    id: idResponse,
    name: z.string(),
    description: z.string(),
    color: z.string().regex(/^#[0-9A-F]{6}$/),
    frequency: z.enum(HABIT_FREQUENCIES),
    weekdays: z.array(z.int().min(0).max(6)),
    archived: z.boolean(),
    order: z.int(),
    createdAt: timestampResponse,
    updatedAt: timestampResponse,
    completedToday: z.boolean(),
    streak: streakResponse,
  })
  .meta({ id: 'Habit' });
export type HabitView = z.infer<typeof habitResponse>;

export const habitStatsResponse = z
  .strictObject({
    streak: streakResponse,
    completionRate: z.strictObject({
      last7: z.number().min(0).max(1),
      last30: z.number().min(0).max(1),
    }),
    total: z.int().min(0),
  })
  .meta({ id: 'HabitStats' });
export type HabitStatsView = z.infer<typeof habitStatsResponse>;

export const settingsResponse = z
  .strictObject({
    timeZone: z.string(),
    weekStart: z.int().min(0).max(6),
    locale: z.string(),
    notificationsEmailEnabled: z.boolean(),
  })
  .meta({ id: 'Settings' });

export const habitsListResponse = z.strictObject({ data: z.array(habitResponse) });
export const habitEnvelopeResponse = z.strictObject({ data: habitResponse });
export const checkedHabitResponse = z.strictObject({ data: z.strictObject({ habit: habitResponse }) });
export const checkInDatesResponse = z.strictObject({ data: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)) });
export const habitStatsEnvelopeResponse = z.strictObject({ data: habitStatsResponse });
export const settingsEnvelopeResponse = z.strictObject({ data: z.strictObject({ settings: settingsResponse }) });
