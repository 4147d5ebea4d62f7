/**
 * Identical reads submitted in one event-loop turn share one run of `load`.
 *
 * An admin list is the same query for every caller with the same filter and page; under load many
 * such requests arrive together and each would make the database scan and sort alone (the fallback
 * server sorts in memory). Like the micro-batcher, a read only ever shares a run that starts after
 * it was submitted, never one already running, so every caller sees the database as it was after
 * its request arrived. The shared result is one object: callers treat it as read-only.
 */
export function createTurnSharedReads<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  const waiting = new Map<string, Promise<T>>();
  return (key, load) => {
    const joined = waiting.get(key);
    if (joined) return joined;
    const shared = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      waiting.delete(key);
      return load();
    });
    waiting.set(key, shared);
    return shared;
  };
}
