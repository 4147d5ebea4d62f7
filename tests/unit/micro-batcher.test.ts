import { createMicroBatcher, fulfilled, rejected } from '../../src/lib/micro-batcher';

describe('micro-batcher', () => {
  it('when items are submitted in one turn, then they run as one batch and each gets its own settled result', async () => {
    const batches: number[][] = [];
    const batcher = createMicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        return items.map((item) => (item < 0 ? rejected(new Error(`negative ${item}`)) : fulfilled(item * 10)));
      },
      { maxBatchSize: 10 },
    );

    const results = await Promise.allSettled([1, -2, 3].map((item) => batcher.submit(item)));

    expect(batches).toEqual([[1, -2, 3]]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('negative -2') },
      { status: 'fulfilled', value: 30 },
    ]);
  });

  it('when an item is submitted while a batch runs, then it waits for a batch of its own', async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
    const batcher = createMicroBatcher<string, string>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await firstBatchHeld;
        return items.map((item) => fulfilled(item.toUpperCase()));
      },
      { maxBatchSize: 10 },
    );

    const first = batcher.submit('a');
    await new Promise((resolve) => setImmediate(resolve));
    const second = batcher.submit('b');
    await new Promise((resolve) => setImmediate(resolve));
    release();

    expect(await Promise.all([first, second])).toEqual(['A', 'B']);
    expect(batches).toEqual([['a'], ['b']]);
  });

  it('when the batch throws or leaves an item without a result, then those items are rejected', async () => {
    const throwing = createMicroBatcher<number, number>(
      async () => {
        throw new Error('connection reset');
      },
      { maxBatchSize: 10 },
    );
    const short = createMicroBatcher<number, number>(async () => [fulfilled(1)], { maxBatchSize: 10 });

    await expect(Promise.all([throwing.submit(1), throwing.submit(2)])).rejects.toThrow('connection reset');
    const results = await Promise.allSettled([short.submit(1), short.submit(2)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
  });

  describe('with coalesceMs', () => {
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    /** A batcher whose first batch runs until `release()`; coalesceMs far longer than a test, so only a batch's end starts the next. */
    function withFirstBatchHeld() {
      const batches: number[][] = [];
      let release: () => void = () => undefined;
      const firstBatchHeld = new Promise<void>((resolve) => (release = resolve));
      const batcher = createMicroBatcher<number, number>(
        async (items) => {
          batches.push(items);
          if (batches.length === 1) await firstBatchHeld;
          return items.map((item) => fulfilled(item));
        },
        { maxBatchSize: 10, coalesceMs: 60_000 },
      );
      return { batcher, batches, release: () => release() };
    }

    it('when items arrive over several turns while a batch runs, then they wait for it and run together in one new batch', async () => {
      const { batcher, batches, release } = withFirstBatchHeld();

      const first = batcher.submit(1);
      await nextTurn();
      const later = [];
      for (const item of [2, 3, 4]) {
        later.push(batcher.submit(item));
        await nextTurn();
      }
      expect(batches).toEqual([[1]]);
      release();

      expect(await Promise.all([first, ...later])).toEqual([1, 2, 3, 4]);
      expect(batches).toEqual([[1], [2, 3, 4]]);
    });

    it('when the batch they waited for ends, then waiting items also take along what arrives in the next turn', async () => {
      const { batcher, batches, release } = withFirstBatchHeld();

      const first = batcher.submit(1);
      await nextTurn();
      const waiting = batcher.submit(2);
      release();
      await first;
      // The turn after the one that answered the first batch's caller: its next request arrives now.
      await nextTurn();
      const comesBack = batcher.submit(3);

      expect(await Promise.all([waiting, comesBack])).toEqual([2, 3]);
      expect(batches).toEqual([[1], [2, 3]]);
    });

    it('when the running batch hangs, then waiting items start their own batch after coalesceMs', async () => {
      const batches: string[][] = [];
      const batcher = createMicroBatcher<string, string>(
        async (items) => {
          batches.push(items);
          if (items.includes('hangs')) await new Promise(() => undefined);
          return items.map((item) => fulfilled(item));
        },
        { maxBatchSize: 10, coalesceMs: 5 },
      );

      void batcher.submit('hangs');
      await nextTurn();

      expect(await batcher.submit('waits')).toBe('waits');
      expect(batches).toEqual([['hangs'], ['waits']]);
    });

    it('when nothing runs, then items of one turn go at the end of that turn, without waiting', async () => {
      const batches: number[][] = [];
      const batcher = createMicroBatcher<number, number>(
        async (items) => {
          batches.push(items);
          return items.map((item) => fulfilled(item));
        },
        { maxBatchSize: 2, coalesceMs: 60_000 },
      );

      expect(await Promise.all([1, 2, 3].map((item) => batcher.submit(item)))).toEqual([1, 2, 3]);
      expect(batches).toEqual([[1, 2], [3]]);
    });
  });
});
