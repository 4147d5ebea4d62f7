import fs from 'node:fs';
import { createPasswordHasher } from '../../src/lib/password-hasher';

/** The nice value of a thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function niceValueOf(tid: string): number {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('password hasher', () => {
  const hasher = createPasswordHasher({ cost: 4, workers: 2 });
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
