import type { Job } from '../../lib/job';
import { logger } from '../../lib/logger';
import type { WeeklySummaryService } from './weekly-summary.service';

/** Every HABIT_SUMMARY_INTERVAL: queue the weekly summaries that are due (claims make every instance safe to run it). */
export function createWeeklySummaryJob(summaries: WeeklySummaryService, intervalMs: number): Job & { runOnce(): Promise<number> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function tick(): void {
    if (running) return;
    running = summaries
      .runOnce()
      .then((queued) => void (queued > 0 && logger.info('weekly habit summaries queued', { queued })))
      .catch((error: unknown) => void logger.warn('weekly habit summaries failed', { error }))
      .finally(() => (running = undefined));
  }

  return {
    name: 'habit-summaries',
    runOnce: () => summaries.runOnce(),
    start(): void {
      timer ??= setInterval(tick, intervalMs).unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
