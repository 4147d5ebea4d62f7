import { z } from 'zod';
import { emptyBodySchema, objectIdSchema } from '../../lib/common.schemas';
import { isCalendarDate, isTimeZone } from './habit-dates';
import { HABIT_FREQUENCIES } from './habit.model';

export const HABIT_NAME_MIN = 2;
export const HABIT_NAME_MAX = 60;
export const HABIT_DESCRIPTION_MAX = 300;

/** No control characters: a name is shown in lists and mails (the pattern is the point, hence the lint exception). */
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTERS = /^[^\x00-\x1f\x7f]*$/;

const habitName = z
  .string()
  .regex(NO_CONTROL_CHARACTERS, { error: 'must not contain control characters' })
  .trim()
  .min(HABIT_NAME_MIN, { error: `must be ${HABIT_NAME_MIN}-${HABIT_NAME_MAX} characters after trimming` })
  .max(HABIT_NAME_MAX, { error: `must be ${HABIT_NAME_MIN}-${HABIT_NAME_MAX} characters after trimming` });
const description = z.string().trim().max(HABIT_DESCRIPTION_MAX);
const color = z
  .string()
  .regex(/^#[0-9A-Fa-f]{6}$/, { error: 'must be a colour #RRGGBB' })
  .overwrite((value) => value.toUpperCase());
const frequency = z.enum(HABIT_FREQUENCIES);
const weekdays = z
  .array(z.int().min(0, { error: 'must be 0 (Sunday) to 6 (Saturday)' }).max(6, { error: 'must be 0 (Sunday) to 6 (Saturday)' }))
  .min(1, { error: 'must list at least one weekday' })
  .max(7);

/** A calendar day `YYYY-MM-DD` that exists (2026-02-30 does not). */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date YYYY-MM-DD' })
  .refine(isCalendarDate, { error: 'must be a date that exists' });

const habitParams = z.strictObject({ id: objectIdSchema });
const checkInParams = z.strictObject({ id: objectIdSchema, date: calendarDate });

const createBody = z
  .strictObject({
    name: habitName,
    description: description.default(''),
    color: color.default('#4F46E5'),
    frequency: frequency.default('daily'),
    weekdays: weekdays.optional(),
  })
  .superRefine((body, ctx) => {
    if (body.frequency === 'weekdays' && !body.weekdays) {
      ctx.addIssue({ code: 'custom', path: ['weekdays'], message: 'is required when frequency is weekdays' });
    }
  });

const updateBody = z.strictObject({
  name: habitName.optional(),
  description: description.optional(),
  color: color.optional(),
  frequency: frequency.optional(),
  weekdays: weekdays.optional(),
  archived: z.boolean().optional(),
  order: z.int().min(0).max(1_000_000).optional(),
});

const settingsBody = z.strictObject({
  timeZone: z.string().max(64).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Paris or UTC' }).optional(),
  weekStart: z.int().min(0).max(6).optional().meta({ description: '0 = Sunday ... 6 = Saturday' }),
  locale: z
    .string()
    .max(35)
    .refine(isLocale, { error: 'must be a BCP 47 language tag such as en or pt-BR' })
    .overwrite((value) => (isLocale(value) ? Intl.getCanonicalLocales(value)[0]! : value))
    .optional(),
  notificationsEmailEnabled: z.boolean().optional(),
});

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** Request schemas of the /habits and /me/settings routes. */
export function createHabitsSchemas(limits: { max: number }) {
  return {
    list: { query: z.strictObject({ archived: z.enum(['true', 'false']).default('false') }) },
    create: { body: createBody },
    byId: { params: habitParams },
    update: { params: habitParams, body: updateBody },
    remove: { params: habitParams, body: emptyBodySchema },
    reorder: { body: z.strictObject({ ids: z.array(objectIdSchema).max(limits.max) }) },
    checkIn: { params: checkInParams, body: emptyBodySchema },
    listCheckIns: {
      params: habitParams,
      query: z.strictObject({
        from: calendarDate.optional().meta({ description: 'First day (default: 29 days before `to`)' }),
        to: calendarDate.optional().meta({ description: "Last day (default: the user's today); at most 366 days after `from`" }),
      }),
    },
    updateSettings: { body: settingsBody },
  };
}

export type HabitsSchemas = ReturnType<typeof createHabitsSchemas>;
export type CreateHabitInput = z.output<typeof createBody>;
export type UpdateHabitInput = z.output<typeof updateBody>;
export type SettingsChanges = z.output<typeof settingsBody>;
