import type { PreparedJson } from '../../lib/prepared-json';

/** A rendered habit list and what it was rendered for: the user's list version, time zone and day. */
export interface CachedList {
  version: number;
  timeZone: string;
  today: number;
  rendered: PreparedJson;
}

export type HabitListCache = ReturnType<typeof createHabitListCache>;

/**
 * This instance's rendered `GET /habits` answers, least recently used dropped first beyond
 * `maxEntries` (0 keeps none). An entry is only ever served for the list version it was rendered
 * at: every write moves the user's version in the database, so another instance's write is seen too.
 */
export function createHabitListCache(maxEntries: number) {
  const entries = new Map<string, CachedList>();

  /** The entry rendered at `version`, or undefined. */
  function find(key: string, version: number): CachedList | undefined {
    const entry = entries.get(key);
    if (!entry || entry.version !== version) return undefined;
    entries.delete(key);
    entries.set(key, entry);
    return entry;
  }

  function store(key: string, entry: CachedList): void {
    if (maxEntries === 0) return;
    // Two requests may render at once; the newer version stays (versions only grow).
    if ((entries.get(key)?.version ?? -1) > entry.version) return;
    entries.delete(key);
    entries.set(key, entry);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  }

  return { find, store, size: () => entries.size };
}
