import fs from 'node:fs';
import { BusyError } from '../../src/errors/app-error';
import { createPasswordHasher, type PasswordHasher } from '../../src/lib/password-hasher';

/** The nice value of a thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function niceValueOf(tid: string): number {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('password hasher', () => {
  const hasher = createPasswordHasher({ cost: 4, workers: 2, maxWaitMs: 10_000, busyDelayMs: 0 });
  afterAll(() => hasher.close());

  it('when a password is hashed, then it verifies and a different one does not', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery staple', hash)).toBe(true);
    expect(await hasher.verify('correct horse battery stapler', hash)).toBe(false);
  });

  (process.platform === 'linux' ? it : it.skip)(
    'when the workers run on Linux, then they hash at nice 10 while the event loop keeps nice 0',
    async () => {
      await Promise.all([hasher.hash('warm up one worker'), hasher.hash('and the other')]);
      const niceValues = fs.readdirSync('/proc/self/task').map(niceValueOf);
      expect(niceValues.filter((nice) => nice === 10)).toHaveLength(2);
      expect(niceValueOf(String(process.pid))).toBe(0);
    },
  );
});

describe('password hasher under saturation', () => {
  // Cost 9 on one worker: each hash takes tens of milliseconds (more on a busy machine), so 100 at
  // once need seconds, far past the 1 s bound, while even a slowed hash fits it.
  const MAX_WAIT_MS = 1000;
  // Built in beforeAll, so the nice-value test above counts only its own pool's threads.
  let hasher: PasswordHasher;
  beforeAll(() => {
    hasher = createPasswordHasher({ cost: 9, workers: 1, maxWaitMs: MAX_WAIT_MS, busyDelayMs: 0 });
  });
  afterAll(() => hasher.close());

  it('when more work arrives than fits the bound, then the excess is refused with BusyError and the rest completes', async () => {
    await hasher.hash('first one measures the speed');

    const started = Date.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, async (_, index) => {
        await hasher.hash(`password number ${index}`);
        return Date.now() - started;
      }),
    );

    const refused = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason as unknown);
    const finished = outcomes.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value);
    expect(refused.length).toBeGreaterThan(0);
    expect(finished.length).toBeGreaterThan(0);
    for (const error of refused) {
      expect(error).toBeInstanceOf(BusyError);
      expect((error as BusyError).options.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    // Generous: the bound plus one slow hash on a shared machine.
    expect(Math.max(...finished)).toBeLessThan(MAX_WAIT_MS + 2000);
    expect(hasher.stats().queued).toBe(0);
  });
});

describe('password hasher refusals', () => {
  const BUSY_DELAY_MS = 300;
  let hasher: PasswordHasher;
  beforeAll(() => {
    // A bound no hash fits: once the speed is known, every job that finds the worker taken is refused.
    hasher = createPasswordHasher({ cost: 9, workers: 1, maxWaitMs: 1, busyDelayMs: BUSY_DELAY_MS });
  });
  afterAll(() => hasher.close());

  it('when a check is refused, then the refusal is held for busyDelayMs, so a client that retries at once cannot spin', async () => {
    // The first job also timed the thread's start-up, so the second one gives the speed.
    await hasher.hash('first one starts the thread');
    await hasher.hash('second one measures the speed');
    const running = hasher.hash('takes the only worker');
    const started = performance.now();

    const refusal = await hasher.hash('finds it taken').then(
      () => null,
      (error: unknown) => ({ error, heldMs: performance.now() - started }),
    );

    expect(refusal?.error).toBeInstanceOf(BusyError);
    // The pause is this hasher's own timer, not a speed: it can only be longer, never shorter.
    expect(refusal?.heldMs).toBeGreaterThanOrEqual(BUSY_DELAY_MS - 1);
    await running;
    expect(hasher.stats().queued).toBe(0);
  });
});
