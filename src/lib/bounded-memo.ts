/**
 * Remembers what `compute` answered for each key, for a pure function that is dear to call on a hot
 * path. Bounded, because keys may come from requests (paths, client addresses): when `maxEntries` are
 * held it starts over, so a miss only costs one call.
 */
export function boundedMemo<V>(compute: (key: string) => V, maxEntries: number): (key: string) => V {
  const remembered = new Map<string, V>();
  return (key) => {
    if (remembered.has(key)) return remembered.get(key) as V;
    const value = compute(key);
    if (remembered.size >= maxEntries) remembered.clear();
    remembered.set(key, value);
    return value;
  };
}
