import { NotFoundError } from '../../errors/app-error';
import type { Clock } from '../../lib/clock';
import type { UserSettings, UserSettingsRecords } from '../users';
import { dayIn } from './habit-dates';

export type HabitCalendar = ReturnType<typeof createHabitCalendar>;

/** "Today" for a user: the service clock read in the user's time zone. */
export function createHabitCalendar(deps: { now: Clock; settings: Pick<UserSettingsRecords, 'settingsOf'> }) {
  /** The user's settings; 404 when the account is gone. */
  async function settingsFor(userId: string): Promise<UserSettings> {
    const settings = await deps.settings.settingsOf(userId);
    if (!settings) throw new NotFoundError('No such user.');
    return settings;
  }

  /** The calendar day it is now in the settings' time zone, as a day number. */
  function todayIn(settings: Pick<UserSettings, 'timeZone'>): number {
    return dayIn(settings.timeZone, deps.now());
  }

  /** The user's calendar day now, as a day number. */
  async function todayFor(userId: string): Promise<number> {
    return todayIn(await settingsFor(userId));
  }

  return { settingsFor, todayIn, todayFor };
}
