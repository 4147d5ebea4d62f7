import { NotFoundError } from '../../errors/app-error';
import type { UserSettings, UserSettingsRecords } from '../users';
import type { HabitCalendar } from './habit-calendar';
import { moveListVersion } from './list-version';
import type { SettingsChanges } from './habits.schemas';

export type SettingsService = ReturnType<typeof createSettingsService>;

/** GET and PATCH /me/settings: the users module stores them; habits give them their meaning. */
export function createSettingsService(deps: { calendar: HabitCalendar; users: Pick<UserSettingsRecords, 'updateSettings'> }) {
  async function showSettings(userId: string): Promise<UserSettings> {
    return deps.calendar.settingsFor(userId);
  }

  /** Stores the changes (validated: an IANA zone, a weekday, a BCP 47 tag) and answers the settings after them. */
  async function changeSettings(userId: string, changes: SettingsChanges): Promise<UserSettings> {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
    const settings = await deps.users.updateSettings(userId, defined);
    if (!settings) throw new NotFoundError('No such user.');
    // The time zone decides the lists' today (completedToday, current streaks).
    await moveListVersion(userId);
    return settings;
  }

  return { showSettings, changeSettings };
}
