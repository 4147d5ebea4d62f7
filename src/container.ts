import type { Config } from './config/env';
import { createAccessTokenIssuer } from './lib/access-token';
import { systemClock, type Clock } from './lib/clock';
import { createDeviceTokens } from './lib/device-cookie';
import { logger } from './lib/logger';
import { createPasswordHasher } from './lib/password-hasher';
import { createSuccessorDeriver } from './lib/refresh-token';
import { createSecretBox } from './lib/secret-box';
import { createAuditService } from './services/audit.service';
import { createAuthService, type GeoLookup } from './services/auth.service';
import { createLockService } from './services/lock.service';
import { createLoginThrottleService } from './services/login-throttle.service';
import { createMfaChallengeService } from './services/mfa-challenge.service';
import { createMfaCodeService } from './services/mfa-code.service';
import { createMfaService, type MfaResetNotifier } from './services/mfa.service';
import { createSharedRateLimitStore } from './services/rate-limit-store.service';
import { createReauthService } from './services/reauth.service';
import { createRefreshTokenService } from './services/refresh-token.service';
import { createSessionService } from './services/session.service';
import { createUserService } from './services/user.service';

export interface ContainerOptions {
  config: Config;
  clock?: Clock;
  geo?: GeoLookup & { status?: () => unknown };
  notifyMfaReset?: MfaResetNotifier;
}

/*
 * MFA-RESET NOTICE CALL SITE: the e-mail outbox (issue 16) is not on main yet. Until it is, the
 * notice an admin's MFA reset owes the user is logged as not sent; wire the outbox's enqueue here.
 */
const logMfaResetNotice: MfaResetNotifier = async (user) => {
  logger.warn('MFA reset notice not mailed: no mail outbox is configured', { userId: user.id });
};

const NO_GEO: GeoLookup = { locate: () => null };

/** Wires the services once; the app, the server and tests all build on this. */
export function createContainer(options: ContainerOptions) {
  const { config } = options;
  const now = options.clock ?? systemClock;
  const geo = options.geo ?? NO_GEO;
  const hasher = createPasswordHasher({
    cost: config.password.bcryptCost,
    workers: config.password.hashWorkers,
    maxWaitMs: config.password.hashMaxWaitMs,
  });
  const accessTokens = createAccessTokenIssuer({ ...config.jwt, ttlMs: config.jwt.accessTtlMs, now });
  const audit = createAuditService({ now });
  const sessions = createSessionService({ session: config.session, now });
  const refreshTokens = createRefreshTokenService({ session: config.session, now, successors: createSuccessorDeriver(config.jwt) });
  const throttle = createLoginThrottleService({ throttle: config.loginThrottle, now });
  const locks = createLockService({ locks: config.locks, now });
  const deviceTokens = createDeviceTokens({ ...config.jwt, ttlMs: config.deviceCookie.ttlMs, now });
  const box = createSecretBox(config.encryption);
  const mfaCodes = createMfaCodeService({ box, now });
  const mfaChallenges = createMfaChallengeService({ config: config.mfa, now });
  const auth = createAuthService({
    config,
    now,
    hasher,
    accessTokens,
    sessions,
    refreshTokens,
    throttle,
    deviceTokens,
    audit,
    geo,
    mfaChallenges,
    mfaCodes,
  });
  const reauth = createReauthService({ throttle: config.loginThrottle, now, hasher, codes: mfaCodes, audit });
  const users = createUserService({ now, hasher, sessions, audit, locks, reauth, throttle });
  const mfa = createMfaService({
    config: config.mfa,
    now,
    box,
    reauth,
    sessions,
    audit,
    notifyMfaReset: options.notifyMfaReset ?? logMfaResetNotice,
  });
  const { rateLimit } = config;
  /** The store a limiter counts in: shared through the database, or undefined for this process's memory. */
  const rateLimitStore = (prefix: string) =>
    rateLimit.store === 'mongo'
      ? createSharedRateLimitStore({ prefix, windowMs: rateLimit.windowMs, timeoutMs: rateLimit.storeTimeoutMs, now })
      : undefined;
  return {
    config,
    now,
    rateLimitStore,
    geo: options.geo,
    hasher,
    accessTokens,
    services: { audit, sessions, refreshTokens, throttle, auth, users, reauth, mfaCodes, mfaChallenges, mfa },
    /** Finishes queued audit writes and stops the hashing workers. */
    async close(): Promise<void> {
      await audit.flush();
      await hasher.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
