import { LoginAttemptModel } from '../../src/modules/auth/login-attempt.model';
import { accountThrottleKey } from '../../src/modules/auth/login-throttle.service';
import { useTestApp } from '../support/context';
import { uniqueEmail } from '../support/factories';
import { interleaveBefore, type Interleaving } from '../support/interleave';
import { countedFailures } from '../support/login-attempts';

const MAX_FAILURES = 5;

/**
 * The login-failure slots with other logins of the same account put between every two database steps
 * of one reservation: completed logins clearing the counter and new logins reserving in turn.
 */
describe('login failure slots, interleaved step by step', () => {
  const ctx = useTestApp({ LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
  let interleaving: Interleaving | undefined;

  afterEach(() => interleaving?.restore());

  describe.each([
    { start: 'with failures counted', phase: 0 },
    { start: 'with failures counted', phase: 1 },
    { start: 'with no counter yet', phase: 0 },
    { start: 'with no counter yet', phase: 1 },
  ])(
    'when a reservation starts $start and completed logins and new reservations alternate (phase $phase) before each of its steps',
    ({ start, phase }) => {
      it('then it gets a slot, and the counter holds its slot and every one taken since the last clear', async () => {
        const { throttle } = ctx.container.services;
        const email = uniqueEmail();
        if (start === 'with failures counted') await throttle.recordFailure(await throttle.reserveAttempt({ email }));
        let counted = start === 'with failures counted' ? 1 : 0;
        interleaving = interleaveBefore(LoginAttemptModel, async (step) => {
          if ((step + phase) % 2 === 0) {
            await throttle.clearFailures(accountThrottleKey(email));
            counted = 0;
          } else {
            await throttle.reserveAttempt({ email });
            counted += 1;
          }
        });

        const slot = await throttle.reserveAttempt({ email });
        interleaving.restore();

        expect(slot.scope).toBe('account');
        expect(interleaving.steps).toBeGreaterThan(0);
        expect((await countedFailures(accountThrottleKey(email))).failures).toBe(counted + 1);
      });
    },
  );

  it('when a login hands its slot back after a completed login cleared the counter, then the slot another login reserved since stays counted', async () => {
    const { throttle } = ctx.container.services;
    const email = uniqueEmail();
    const stale = await throttle.reserveAttempt({ email });
    await throttle.clearFailures(accountThrottleKey(email));
    await throttle.reserveAttempt({ email });

    await throttle.releaseAttempt(stale);

    expect((await countedFailures(accountThrottleKey(email))).failures).toBe(1);
  });
});
