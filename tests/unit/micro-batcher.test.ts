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
});
