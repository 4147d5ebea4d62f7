import { logger } from '../../lib/logger';
import type { Job } from '../../lib/job';
import type { KeyRing } from './key-ring.service';

/**
 * Every SIGNING_KEY_RELOAD: the scheduled ring work (publish, activate, retire, remove; a no-op on every
 * instance but the one whose write wins). It reads the ring to plan and adopts what it read or wrote,
 * so it is also the reload: a key revoked elsewhere stops verifying here.
 */
export function createKeysJob(ring: KeyRing, reloadMs: number): Job & { runOnce(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function runOnce(): Promise<void> {
    await ring.maintain();
  }

  function tick(): void {
    if (running) return;
    running = runOnce()
      .catch((error: unknown) => void logger.warn('signing key ring upkeep failed', { error }))
      .finally(() => (running = undefined));
  }

  return {
    name: 'signing-keys',
    runOnce,
    start(): void {
      timer ??= setInterval(tick, reloadMs).unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
