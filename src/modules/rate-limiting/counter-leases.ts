/** Places of one counter's window that this instance reserved and has not handed out yet. */
interface Lease {
  /** Reserved ranges of places, [first, last] each, oldest first. */
  ranges: [number, number][];
  /** How many places the last reservation added beyond its own hits; the next one may double it. */
  size: number;
  /** A reservation is on its way: a second one at the same time would only leave more places unused. */
  reserving: boolean;
}

export interface CounterLeases {
  /** The next reserved place of this counter, or null when none is left (count in the database then). */
  take(id: string, windowIndex: number): number | null;
  /** How many places to reserve beyond `hits` with this counter's next `$inc` (call `settle` after it). */
  reserve(id: string, hits: number): number;
  /** Records what that `$inc` reserved: the `size` places up to and including `last` (size 0: none). */
  settle(id: string, windowIndex: number, last: number, size: number): void;
  /** The `$inc` failed: nothing was reserved. */
  abandon(id: string): void;
  /** Drops a client's reservations (its counters were reset). */
  forget(key: string): void;
}

/**
 * Reserved places of hot counters. Counting each hit in the database costs a command per batch;
 * a client that sends many requests (an office behind one address, a backend) would cost one per
 * loop turn. Once a counter has needed the database twice in a window, this instance reserves
 * places ahead with its `$inc`, doubling up to `maxLease`, and hands them out without a command.
 *
 * Every place is still a unique position of the shared count, so across all instances no more than
 * the limit are ever let through. A reserved place nobody used is lost with its window: a client
 * spread over N instances may be refused up to N × maxLease places early (never late). Counters
 * that see few hits never reserve anything, and `maxLease` 0 turns reservations off.
 */
export function createCounterLeases(options: { maxLease: number; maxCounters: number }): CounterLeases {
  const leases = new Map<string, Lease>();
  let currentWindow = -1;

  function enterWindow(windowIndex: number): boolean {
    if (windowIndex > currentWindow) {
      leases.clear();
      currentWindow = windowIndex;
    }
    return windowIndex === currentWindow;
  }

  return {
    take(id, windowIndex) {
      if (!enterWindow(windowIndex)) return null;
      const range = leases.get(id)?.ranges[0];
      if (!range) return null;
      const place = range[0]++;
      if (range[0] > range[1]) leases.get(id)!.ranges.shift();
      return place;
    },
    reserve(id, hits) {
      const lease = leases.get(id);
      // The first count of a window reserves nothing: most clients send a handful of requests.
      if (options.maxLease === 0 || !lease || lease.reserving) return 0;
      lease.reserving = true;
      return Math.min(options.maxLease, Math.max(hits, lease.size * 2));
    },
    settle(id, windowIndex, last, size) {
      // A window that ended while the count ran, or a full table: the places are lost, which only errs strict.
      if (!enterWindow(windowIndex)) return;
      const lease = leases.get(id);
      if (!lease) {
        if (leases.size < options.maxCounters) leases.set(id, { ranges: [], size: 0, reserving: false });
        return;
      }
      if (size === 0) return;
      lease.reserving = false;
      lease.size = size;
      lease.ranges.push([last - size + 1, last]);
    },
    abandon(id) {
      const lease = leases.get(id);
      if (lease) lease.reserving = false;
    },
    forget(key) {
      for (const id of leases.keys()) if (id.startsWith(`${key}|`)) leases.delete(id);
    },
  };
}
