import { MailGateModel } from '../mail-gate.model';
import { createAccountTokenService } from '../account-token.service';
import { createTestClock } from '../../../../tests/support/context';
import { useTestDatabase } from '../../../../tests/support/database';
import { uniqueEmail } from '../../../../tests/support/factories';
import { interleaveBefore } from '../../../../tests/support/interleave';

const RESEND_INTERVAL_MS = 60_000;
const CALLERS = 25;

/** The per-address resend gate that keeps forgot-password and verification requests from mail bombing. */
describe('the mail resend gate', () => {
  useTestDatabase();
  const clock = createTestClock();
  const tokens = createAccountTokenService({ now: clock.now, resendIntervalMs: RESEND_INTERVAL_MS });

  async function openAtOnce(address: string): Promise<number> {
    const opened = await Promise.all(Array.from({ length: CALLERS }, () => tokens.openGate('password_reset', address)));
    return opened.filter(Boolean).length;
  }

  it('when 25 requests for a new address arrive at once, then exactly one opens the gate', async () => {
    expect(await openAtOnce(uniqueEmail())).toBe(1);
  });

  it('when 25 requests arrive at once after the interval ran out, then exactly one opens the gate again, for a new interval', async () => {
    const address = uniqueEmail();
    await tokens.openGate('password_reset', address);
    clock.advance(RESEND_INTERVAL_MS);

    expect(await openAtOnce(address)).toBe(1);
    const gate = await MailGateModel.findById(`password_reset:${address}`).lean();
    expect(gate?.expiresAt.getTime()).toBe(clock.now().getTime() + RESEND_INTERVAL_MS);
  });

  it('when the clean-up deletes the expired gate just before a request reopens it, then that request still opens it', async () => {
    const address = uniqueEmail();
    await tokens.openGate('password_reset', address);
    clock.advance(RESEND_INTERVAL_MS);
    const interleaving = interleaveBefore(MailGateModel, async (step) => {
      if (step === 0) await tokens.pruneExpired();
    });
    try {
      expect(await tokens.openGate('password_reset', address)).toBe(true);
    } finally {
      interleaving.restore();
    }
    expect(interleaving.steps).toBeGreaterThan(0);
    expect(await MailGateModel.countDocuments({ _id: `password_reset:${address}` })).toBe(1);
  });

  it('when a request comes inside the interval, then the gate stays closed and keeps its expiry', async () => {
    const address = uniqueEmail();
    await tokens.openGate('password_reset', address);
    const before = await MailGateModel.findById(`password_reset:${address}`).lean();
    clock.advance(RESEND_INTERVAL_MS - 1);

    expect(await tokens.openGate('password_reset', address)).toBe(false);
    expect(await MailGateModel.findById(`password_reset:${address}`).lean()).toEqual(before);
  });
});
