interface KeyState<T> {
  /** The load of this key now running, if any. */
  running: Promise<T> | null;
  /** The next load of this key: every read submitted since `running` started waits for it. */
  pending: Promise<T> | null;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const settled = (promise: Promise<unknown>): Promise<void> =>
  promise.then(
    () => undefined,
    () => undefined,
  );

/**
 * Identical reads share one run of `load`: those submitted in one event-loop turn, and those that
 * arrive while a load of their key runs, which share the one load started when it has finished.
 *
 * An admin list is the same query for every caller with the same filter and page; under load many
 * such requests arrive together and each would make the database scan and sort alone (the fallback
 * server sorts in memory). Like the micro-batcher, a read only ever shares a run that starts after
 * it was submitted, never one already running, so every caller sees the database as it was after
 * its request arrived. At most one load per key runs at a time. The shared result is one object:
 * callers treat it as read-only.
 */
export function createTurnSharedReads<T>(): (key: string, load: () => Promise<T>) => Promise<T> {
  const states = new Map<string, KeyState<T>>();

  function finish(key: string, state: KeyState<T>, run: Promise<T>): void {
    if (state.running === run) state.running = null;
    if (!state.running && !state.pending) states.delete(key);
  }

  return (key, load) => {
    const state = states.get(key) ?? { running: null, pending: null };
    states.set(key, state);
    if (state.pending) return state.pending;
    const start = state.running ? settled(state.running) : nextTurn();
    const pending = start.then(() => {
      state.pending = null;
      const run = load();
      state.running = run;
      void settled(run).then(() => finish(key, state, run));
      return run;
    });
    state.pending = pending;
    return pending;
  };
}
