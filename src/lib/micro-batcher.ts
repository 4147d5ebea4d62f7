export interface MicroBatcher<I, R> {
  submit(item: I): Promise<R>;
}

interface Pending<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export interface MicroBatcherOptions {
  maxBatchSize: number;
  /**
   * While a batch of this batcher is running, later items wait for it to finish (or for this many
   * milliseconds, whichever comes first) and then run together in one new batch, one loop turn after
   * it finished, instead of a batch per loop turn. Under load that turns many small commands into a few
   * large ones; when the batch hangs (a frozen database), the wait is bounded. Unset: every loop turn dispatches at once.
   */
  coalesceMs?: number;
}

/**
 * Runs the items submitted in one event-loop turn together, as one call of `runBatch`.
 *
 * Under load many requests reach the same database step at once; one command for all of them costs
 * the driver and the server a small part of what one command each costs. An item is only ever run in
 * a batch that starts after it was submitted (it never joins a batch already running), so what a
 * request reads or writes is ordered after everything that happened before it arrived, exactly as
 * with a command of its own. `runBatch` settles every item: a result each, in the items' order.
 */
export function createMicroBatcher<I, R>(
  runBatch: (items: I[]) => Promise<PromiseSettledResult<R>[]>,
  options: MicroBatcherOptions,
): MicroBatcher<I, R> {
  let queued: Pending<I, R>[] = [];
  let running = 0;
  /** A dispatch waits for the end of this loop turn... */
  let dispatchAfterTurn = false;
  /** ...or, while a batch runs, for it to end or for coalesceMs. */
  let coalesceTimer: NodeJS.Timeout | undefined;

  async function run(batch: Pending<I, R>[]): Promise<void> {
    running += 1;
    try {
      const results = await runBatch(batch.map((pending) => pending.item));
      batch.forEach((pending, index) => {
        const result = results[index];
        if (!result) pending.reject(new Error('the batch returned no result for this item'));
        else if (result.status === 'fulfilled') pending.resolve(result.value);
        else pending.reject(result.reason);
      });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      running -= 1;
      if (queued.length > 0) scheduleDispatch('next turn');
    }
  }

  function dispatch(): void {
    clearTimeout(coalesceTimer);
    coalesceTimer = undefined;
    dispatchAfterTurn = false;
    const all = queued;
    queued = [];
    for (let start = 0; start < all.length; start += options.maxBatchSize) {
      void run(all.slice(start, start + options.maxBatchSize));
    }
  }

  /**
   * Dispatches after the poll phase of this loop turn (every request whose bytes arrived in it joins the
   * batch) or, for items that waited for a batch that has just ended, of the next one: this turn answers
   * that batch's callers, and under load their next requests arrive in the next turn's poll phase. Going
   * one turn later, the waiting items take them along instead of leaving them a batch of their own: the
   * callers stop splitting into groups that alternate (profiled at 50 connections: ~25 lookups a batch
   * became ~38).
   */
  function scheduleDispatch(after: 'this turn' | 'next turn'): void {
    if (dispatchAfterTurn) return;
    clearTimeout(coalesceTimer);
    coalesceTimer = undefined;
    dispatchAfterTurn = true;
    setImmediate(after === 'this turn' ? dispatch : () => setImmediate(dispatch));
  }

  function submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      queued.push({ item, resolve, reject });
      if (dispatchAfterTurn || coalesceTimer) return;
      if (running > 0 && options.coalesceMs !== undefined) {
        coalesceTimer = setTimeout(dispatch, options.coalesceMs);
      } else {
        scheduleDispatch('this turn');
      }
    });
  }

  return { submit };
}

/** A fulfilled result, for building what `runBatch` returns. */
export function fulfilled<R>(value: R): PromiseFulfilledResult<R> {
  return { status: 'fulfilled', value };
}

/** A rejected result, for building what `runBatch` returns. */
export function rejected(reason: unknown): PromiseRejectedResult {
  return { status: 'rejected', reason };
}
