export interface MicroBatcher<I, R> {
  submit(item: I): Promise<R>;
}

interface Pending<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
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
  options: { maxBatchSize: number },
): MicroBatcher<I, R> {
  let queued: Pending<I, R>[] = [];

  async function run(batch: Pending<I, R>[]): Promise<void> {
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
    }
  }

  function dispatch(): void {
    const all = queued;
    queued = [];
    for (let start = 0; start < all.length; start += options.maxBatchSize) {
      void run(all.slice(start, start + options.maxBatchSize));
    }
  }

  function submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      // After the poll phase: every request whose bytes arrived in this loop turn joins the batch.
      if (queued.length === 0) setImmediate(dispatch);
      queued.push({ item, resolve, reject });
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
