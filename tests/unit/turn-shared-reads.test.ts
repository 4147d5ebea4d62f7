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
});
