import { createTurnSharedReads } from '../../src/lib/turn-shared-reads';

describe('turn-shared reads', () => {
  it('when identical reads arrive in one turn, then one load serves them all; a different key loads on its own', async () => {
    const read = createTurnSharedReads<string>();
    const loads: string[] = [];
    const load = (key: string) => async () => {
      loads.push(key);
      return `result of ${key}`;
    };

    const results = await Promise.all([read('a', load('a')), read('a', load('a')), read('b', load('b')), read('a', load('a'))]);

    expect(results).toEqual(['result of a', 'result of a', 'result of b', 'result of a']);
    expect(loads).toEqual(['a', 'b']);
  });

  it('when a read arrives while a load of its key runs, then it waits for a new load rather than join the running one', async () => {
    const read = createTurnSharedReads<number>();
    let version = 0;
    let release: () => void = () => undefined;
    const slowLoad = () =>
      new Promise<number>((resolve) => {
        const seen = version;
        release = () => resolve(seen);
      });

    const first = read('list', slowLoad);
    await new Promise((resolve) => setImmediate(resolve));
    version = 1;
    const second = read('list', async () => version);
    release();

    expect(await first).toBe(0);
    expect(await second).toBe(1);
  });

  it('when the load fails, then every caller of that turn gets the error and the next turn loads again', async () => {
    const read = createTurnSharedReads<string>();
    const failing = () => Promise.reject(new Error('database down'));
    await expect(Promise.all([read('k', failing), read('k', failing)])).rejects.toThrow('database down');
    await expect(read('k', async () => 'back')).resolves.toBe('back');
  });

  it('when many reads arrive while a load runs, then they share the one load that starts after it, and loads of a key never overlap', async () => {
    const read = createTurnSharedReads<number>();
    let running = 0;
    let mostAtOnce = 0;
    let loads = 0;
    let release: () => void = () => undefined;
    const load = () =>
      new Promise<number>((resolve) => {
        loads += 1;
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        const number = loads;
        release = () => {
          running -= 1;
          resolve(number);
        };
      });

    const first = read('list', load);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [read('list', load), read('list', load)];
    await new Promise((resolve) => setImmediate(resolve));
    later.push(read('list', load));
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads).toBe(1);
    release();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    release();

    expect(await Promise.all(later)).toEqual([2, 2, 2]);
    expect(loads).toBe(2);
    expect(mostAtOnce).toBe(1);
  });

  it('when a load fails while reads wait for the next, then the next still runs and serves them', async () => {
    const read = createTurnSharedReads<string>();
    let fail: (error: Error) => void = () => undefined;
    const first = read('k', () => new Promise<string>((_, reject) => (fail = reject)));
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = read('k', async () => 'fresh');

    fail(new Error('database down'));

    await expect(first).rejects.toThrow('database down');
    await expect(waiting).resolves.toBe('fresh');
  });
});
