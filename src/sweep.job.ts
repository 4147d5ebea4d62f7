import type { Container } from './container';
import { logger } from './lib/logger';
import { ENDED_SESSION_RETENTION_SECONDS } from './modules/sessions';

/** How many documents of each kind one sweep removed. */
export interface SweepReport {
  endedSessions: number;
  expiredTokens: number;
  spentTokens: number;
  orphanSessions: number;
  orphanTokens: number;
  loginAttempts: number;
  mfaChallenges: number;
  passkeyChallenges: number;
  auditEvents: number;
  habitOrphans: number;
  oauthAttempts: number;
}

export type SweepJob = ReturnType<typeof createSweepJob>;

/**
 * Removes what would otherwise grow without bound: ended sessions after their retention, expired and
 * spent refresh tokens (spent ones once their grace is over), sessions and tokens left behind by a race
 * or an interrupted delete, expired login-failure counters, mfaTokens, passkey challenges and OIDC attempts and codes, audit events past AUDIT_RETENTION, and habits of accounts
 * whose deletion was interrupted. TTL
 * indexes do part of this on MongoDB; the fallback database has none, and the rest needs the service.
 */
export function createSweepJob(container: Pick<Container, 'config' | 'services'>) {
  const { sessions, refreshTokens, throttle, audit, mfaChallenges, habits, passkeys, identities } = container.services;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  /** One full sweep, each step after the other so the database sees one delete at a time. */
  async function runOnce(): Promise<SweepReport> {
    const ended = await sessions.sweepExpired(ENDED_SESSION_RETENTION_SECONDS * 1000);
    const spentTokens = await refreshTokens.pruneSpent();
    const orphans = await sessions.sweepOrphans();
    const loginAttempts = await throttle.sweepExpired();
    const expiredChallenges = await mfaChallenges.sweepExpired();
    const passkeyChallenges = await passkeys.challenges.sweepExpired();
    const auditEvents = await audit.pruneOlderThan(container.config.audit.retentionMs);
    const habitOrphans = await habits.data.sweepOrphans();
    const oauthAttempts = await identities.sweepExpired();
    return {
      endedSessions: ended.sessions,
      expiredTokens: ended.tokens,
      spentTokens,
      orphanSessions: orphans.sessions,
      orphanTokens: orphans.tokens,
      loginAttempts,
      mfaChallenges: expiredChallenges,
      passkeyChallenges,
      auditEvents,
      habitOrphans,
      oauthAttempts,
    };
  }

  function tick(): void {
    if (running) return;
    running = runOnce()
      .then((removed) => logger.info('sweep done', { ...removed }))
      .catch((error: unknown) => logger.warn('sweep failed', { error }))
      .finally(() => (running = undefined));
  }

  return {
    name: 'sweep',
    runOnce,
    start(): void {
      timer ??= setInterval(tick, container.config.session.sweepIntervalMs).unref();
    },
    /** Stops the schedule and waits for a sweep in progress. */
    async stop(): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
