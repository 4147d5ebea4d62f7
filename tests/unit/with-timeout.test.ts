import { withTimeout } from '../../src/lib/with-timeout';

describe('withTimeout', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('when the work settles first, then its outcome stands and no timer is left behind', async () => {
    const onTimeout = jest.fn(() => 'late');

    await expect(withTimeout(Promise.resolve('done'), 1000, onTimeout)).resolves.toBe('done');
    await expect(withTimeout(Promise.reject(new Error('failed')), 1000, onTimeout)).rejects.toThrow('failed');
    expect(jest.getTimerCount()).toBe(0);
    expect(onTimeout).not.toHaveBeenCalled();
  });

  it('when the time runs out first, then what onTimeout returns or throws is the outcome', async () => {
    const never = new Promise<string>(() => undefined);
    const returned = withTimeout(never, 1000, () => false);
    const thrown = withTimeout(never, 1000, (): never => {
      throw new Error('too slow');
    });

    jest.advanceTimersByTime(1000);

    await expect(returned).resolves.toBe(false);
    await expect(thrown).rejects.toThrow('too slow');
  });
});
