import { prepareJson } from '../../../lib/prepared-json';
import { createHabitListCache, type CachedList } from '../habit-list-cache';

const entry = (version: number): CachedList => ({ version, timeZone: 'UTC', today: 20_000, rendered: prepareJson({ data: [] }) });

describe('habit list cache', () => {
  it('when an entry was stored at one version, then it is found only at that version', () => {
    const cache = createHabitListCache(10);
    cache.store('user:false', entry(3));
    expect(cache.find('user:false', 3)?.version).toBe(3);
    expect(cache.find('user:false', 4)).toBeUndefined();
  });

  it('when more users are listed than it keeps, then the least recently used is dropped first', () => {
    const cache = createHabitListCache(2);
    cache.store('a', entry(1));
    cache.store('b', entry(1));
    cache.find('a', 1);
    cache.store('c', entry(1));
    expect([cache.find('a', 1), cache.find('b', 1), cache.find('c', 1)].map(Boolean)).toEqual([true, false, true]);
    expect(cache.size()).toBe(2);
  });

  it('when a slower request stores an older version after a newer one, then the newer stays', () => {
    const cache = createHabitListCache(10);
    cache.store('a', entry(5));
    cache.store('a', entry(4));
    expect(cache.find('a', 5)).toBeDefined();
  });

  it('when it keeps no entries (0), then nothing is stored', () => {
    const cache = createHabitListCache(0);
    cache.store('a', entry(1));
    expect(cache.size()).toBe(0);
  });
});
