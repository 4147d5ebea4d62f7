import type { Container } from '../container';
import { logger } from '../lib/logger';
import { ENDED_SESSION_RETENTION_SECONDS } from '../models/session.model';
import { createIntervalJob, type Job } from './job';

/** Deletes sessions and refresh tokens long past their end, what TTL indexes do where the server has them. */
export function createSessionSweepJob(container: Container): Job {
  return createIntervalJob(
    'session-sweep',
    container.config.session.sweepIntervalMs,
    async () => {
      const removed = await container.services.sessions.sweepExpired(ENDED_SESSION_RETENTION_SECONDS * 1000);
      logger.debug('expired sessions swept', removed);
    },
    (error) => logger.warn('session sweep failed', { error }),
  );
}
