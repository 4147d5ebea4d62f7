import { Types } from 'mongoose';
import { UserModel } from './user.model';

/** The account's preferences, with their defaults for accounts stored before settings existed. */
export interface UserSettings {
  timeZone: string;
  weekStart: number;
  locale: string;
  notificationsEmailEnabled: boolean;
}

export const DEFAULT_SETTINGS: Readonly<UserSettings> = Object.freeze({
  timeZone: 'UTC',
  weekStart: 1,
  locale: 'en',
  notificationsEmailEnabled: false,
});

/** An account that asked for mail, as the weekly summary needs it. */
export interface SettingsSubscriber {
  id: string;
  email: string;
  settings: UserSettings;
}

const settingsOfRecord = (stored: Partial<UserSettings> | null | undefined): UserSettings => ({ ...DEFAULT_SETTINGS, ...stored });

const objectIdOf = (id: string): Types.ObjectId | null => (Types.ObjectId.isValid(id) ? new Types.ObjectId(id) : null);

export type UserSettingsRecords = ReturnType<typeof createUserSettings>;

/** The settings fields of the users collection; other modules read and change them only through these functions. */
export function createUserSettings() {
  /** The account's settings; null when there is no such account. */
  async function settingsOf(userId: string): Promise<UserSettings | null> {
    const id = objectIdOf(userId);
    const user = id ? await UserModel.findById(id, { settings: 1 }).lean() : null;
    return user ? settingsOfRecord(user.settings) : null;
  }

  /** Applies the given changes (validated by the caller) and answers the settings after them; null when there is no such account. */
  async function updateSettings(userId: string, changes: Partial<UserSettings>): Promise<UserSettings | null> {
    const id = objectIdOf(userId);
    if (!id) return null;
    const set = Object.fromEntries(Object.entries(changes).map(([field, value]) => [`settings.${field}`, value]));
    if (Object.keys(set).length === 0) return settingsOf(userId);
    const user = await UserModel.findByIdAndUpdate(id, { $set: set }, { new: true, projection: { settings: 1 } }).lean();
    return user ? settingsOfRecord(user.settings) : null;
  }

  /**
   * The next page of active accounts with a verified address that turned summary mail on, in _id order
   * after `afterId`. Only proven addresses: a summary carries text the account holder chose (habit names).
   */
  async function listMailSubscribers(afterId: string | null, limit: number): Promise<SettingsSubscriber[]> {
    const filter: Record<string, unknown> = { 'settings.notificationsEmailEnabled': true, status: 'active', emailVerified: true };
    if (afterId) filter._id = { $gt: new Types.ObjectId(afterId) };
    const users = await UserModel.find(filter, { email: 1, settings: 1 }).sort({ _id: 1 }).limit(limit).lean();
    return users.map((user) => ({ id: user._id.toString(), email: user.email, settings: settingsOfRecord(user.settings) }));
  }

  return { settingsOf, updateSettings, listMailSubscribers };
}
