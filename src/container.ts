import type { Config } from './config/env';
import {
  createAccessTokenIssuer,
  createAuthService,
  createDeviceTokens,
  createLoginThrottleService,
  createReauthService,
  type GeoLookup,
} from './modules/auth';
import { systemClock, type Clock } from './lib/clock';
import { createMailOutboxService, createMailTransport, createOutboxJob } from './modules/mail';
import { createPasswordHasher } from './lib/password-hasher';
import { createRefreshTokenService, createSessionService, createSuccessorDeriver } from './modules/sessions';
import {
  createAccountMailService,
  createAccountTokenService,
  createEmailChangeService,
  createEmailVerificationService,
  createPasswordResetService,
} from './modules/account-recovery';
import { createSecretBox, type SecretBox } from './lib/secret-box';
import { createAuditService } from './modules/audit';
import { createLockService, createUserService } from './modules/users';
import { createMfaChallengeService, createMfaCodeService, createMfaService } from './modules/mfa';
import { createMetricsService } from './modules/operations';
import { createSharedRateLimitStore } from './modules/rate-limiting';

export interface ContainerOptions {
  config: Config;
  clock?: Clock;
  geo?: GeoLookup & { status?: () => unknown };
}

const NO_GEO: GeoLookup = { locate: () => null };

/** The domain of Message-IDs: the sender's, so receiving servers see them as ours. */
function messageIdDomainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'keyhold.localhost';
}

function createMailServices(config: Config, now: Clock, audit: ReturnType<typeof createAuditService>, box: SecretBox) {
  const { mail } = config;
  const tokens = createAccountTokenService({ now, resendIntervalMs: mail.resendIntervalMs });
  const outbox = createMailOutboxService({ now, settings: mail, messageIdDomain: messageIdDomainOf(mail.from), box });
  const accountMail = createAccountMailService({ mail, tokens, outbox });
  const verification = createEmailVerificationService({ mail, tokens, outbox, accountMail, audit });
  return { tokens, outbox, accountMail, verification };
}

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
  const { tokens, outbox, accountMail, verification } = createMailServices(config, now, audit, box);
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
    verification,
    accountMail,
    voidPendingEmailChanges: tokens.voidPendingEmailChanges,
  });
  const reauth = createReauthService({ throttle: config.loginThrottle, now, hasher, codes: mfaCodes, audit });
  const forgetAccount = async (account: { id: string; email: string }) => {
    await Promise.all([
      tokens.forgetAccount(account),
      outbox.forgetAccount(account),
      mfaChallenges.forgetUser(account.id),
      throttle.forgetAccount(account),
    ]);
  };
  const users = createUserService({ now, hasher, sessions, audit, locks, tokens, reauth, throttle, forgetAccount });
  const mfa = createMfaService({
    config: config.mfa,
    now,
    box,
    reauth,
    sessions,
    audit,
    notify: {
      reset: (user) => accountMail.sendMfaResetNotice(user),
      changed: (user, change, client) => accountMail.sendSecondFactorNotice(user, change, { at: now(), ...client }),
    },
    voidPendingEmailChanges: tokens.voidPendingEmailChanges,
  });
  const passwordReset = createPasswordResetService({
    mail: config.mail,
    now,
    hasher,
    tokens,
    outbox,
    accountMail,
    sessions,
    throttle,
    audit,
  });
  const emailChange = createEmailChangeService({
    mail: config.mail,
    tokens,
    accountMail,
    sessions,
    audit,
    reauthenticate: async (caller, proof, client) => {
      await reauth.confirmIdentity(caller, proof, client);
    },
  });
  const transport = createMailTransport({ ...config.mail, logBodies: !config.isProduction, logFormat: config.log.format });
  const outboxJob = createOutboxJob({
    outbox,
    transport,
    audit,
    resolvers: { password_reset_request: passwordReset.composeResetMail, verification_request: verification.composeVerificationMail },
    pollIntervalMs: config.mail.pollIntervalMs,
    pruneIntervalMs: config.mail.pruneIntervalMs,
    pruneAlso: tokens.pruneExpired,
  });
  const metrics = config.metrics.enabled ? createMetricsService({ now, outboxCounts: outbox.countByStatus }) : undefined;
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
    metrics,
    services: {
      audit,
      sessions,
      refreshTokens,
      throttle,
      auth,
      users,
      tokens,
      outbox,
      passwordReset,
      verification,
      emailChange,
      reauth,
      mfaCodes,
      mfaChallenges,
      mfa,
    },
    /** Background work that server.ts starts and stops. */
    jobs: { outbox: outboxJob },
    /** Stops the outbox sender (if still running), finishes queued audit writes and stops the hashing workers. */
    async close(): Promise<void> {
      metrics?.close();
      await outboxJob.stop(0);
      await audit.flush();
      await hasher.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
