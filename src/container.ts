import type { Config } from './config/env';
import { systemClock, type Clock } from './lib/clock';
import { logger } from './lib/logger';
import { createPasswordHasher, type PasswordHasher } from './lib/password-hasher';
import { createSecretBox, type SecretBox } from './lib/secret-box';
import {
  createAccountMailService,
  createAccountTokenService,
  createEmailChangeService,
  createEmailVerificationService,
  createPasswordResetService,
  type AccountMailService,
  type AfterAddressProven,
} from './modules/account-recovery';
import { createAuditService, type AuditService } from './modules/audit';
import {
  accountThrottleKey,
  createAuthService,
  createCallerResolver,
  createDeviceTokens,
  createLoginThrottleService,
  type GeoLookup,
} from './modules/auth';
import { createAccessTokenIssuer, createKeyRing, createKeysJob } from './modules/keys';
import { createMailOutboxService, createMailTransport, createOutboxJob } from './modules/mail';
import { createMfaChallengeService, createMfaCodeService, createMfaService, createReauthService, type ReauthService } from './modules/mfa';
import { createMetricsService } from './modules/operations';
import { createPasskeysServices } from './modules/passkeys';
import { createSharedRateLimitStore } from './modules/rate-limiting';
import { createRefreshTokenService, createSessionService, createSuccessorDeriver } from './modules/sessions';
import { createHabitsServices } from './modules/habits';
import { createIdentitiesServices, type IdentitiesServices } from './modules/identities';
import {
  createLockService,
  createPasswordPolicy,
  createUserRecords,
  createUserService,
  createUserSettings,
  loadPasswordLists,
  type LockService,
  type UserRecords,
} from './modules/users';

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

/** Signing in with OpenID providers, wired to the accounts, the lock, re-authentication and the notices. */
function createIdentities(deps: {
  config: Config;
  now: Clock;
  audit: AuditService;
  users: UserRecords;
  reauth: ReauthService;
  locks: LockService;
  accountMail: AccountMailService;
  countPasskeys: (userId: string) => Promise<number>;
  endSignIns: (userId: string) => Promise<void>;
}): IdentitiesServices {
  const { now, users, accountMail } = deps;
  return createIdentitiesServices({
    ...deps,
    // Any way to sign in that is not an identity: a password, a passkey.
    otherSignInMethods: async (userId) => ((await users.hasPassword(userId)) ? 1 : 0) + (await deps.countPasskeys(userId)),
    withAccountLock: (userId, task) => deps.locks.withLock(`sign-in-methods:${userId}`, () => task()),
    notify: async (userId, change, provider, client) => {
      const user = await users.findView(userId);
      if (!user) return;
      const recipient = { id: userId, name: user.name, email: user.email, addressProven: user.emailVerified === true };
      const template = change === 'linked' ? 'identity_linked_notice' : 'identity_unlinked_notice';
      await accountMail.sendSignInProviderNotice(recipient, template, provider, { at: now(), ...client });
    },
  });
}

/** The mail capabilities: mailed-link tokens and gates, the outbox, the account mails, verification. */
function createMailServices(deps: {
  config: Config;
  now: Clock;
  audit: AuditService;
  box: SecretBox;
  users: UserRecords;
  afterAddressProven: AfterAddressProven;
}) {
  const { now, audit, box, users, afterAddressProven } = deps;
  const { mail } = deps.config;
  const tokens = createAccountTokenService({ now, resendIntervalMs: mail.resendIntervalMs });
  const outbox = createMailOutboxService({ now, settings: mail, messageIdDomain: messageIdDomainOf(mail.from), box });
  const accountMail = createAccountMailService({ mail, tokens, outbox });
  const verification = createEmailVerificationService({ mail, users, tokens, outbox, accountMail, afterAddressProven, audit });
  return { tokens, outbox, accountMail, verification };
}

function createHasher(config: Config): PasswordHasher {
  return createPasswordHasher({
    cost: config.password.bcryptCost,
    workers: config.password.hashWorkers,
    maxWaitMs: config.password.hashMaxWaitMs,
    busyDelayMs: config.password.hashBusyDelayMs,
  });
}

/**
 * Wires the modules once; the app, the server and tests all build on this. Where a lower module needs
 * something of a higher one (users ending sessions is the other way round: users -> sessions), it gets
 * a function here instead of an import, so module dependencies point one way (docs/ARCHITECTURE.md).
 */
export function createContainer(options: ContainerOptions) {
  const { config } = options;
  // First: an unreadable PASSWORD_BLOCKLIST_PATH stops the start before anything is started.
  const refusedPasswords = loadPasswordLists({ blocklistPath: config.password.blocklistPath });
  logger.info('password lists loaded', { entries: refusedPasswords.entries, ms: Math.round(refusedPasswords.ms * 10) / 10 });
  const passwordPolicy = createPasswordPolicy({ refused: refusedPasswords.lists, productName: config.mail.productName });
  const now = options.clock ?? systemClock;
  const geo = options.geo ?? NO_GEO;
  const hasher = createHasher(config);
  const box = createSecretBox(config.encryption);
  const audit = createAuditService({ now });
  const userRecords = createUserRecords({ now });
  const sessions = createSessionService({ session: config.session, now, existingUserIds: userRecords.existingIds });
  const refreshTokens = createRefreshTokenService({ session: config.session, now, successors: createSuccessorDeriver(config.jwt) });
  const resolveCaller = createCallerResolver({ sessions, users: userRecords });
  const { tokens: tokenSettings } = config;
  const keyRing = createKeyRing({ algorithm: tokenSettings.algorithm, timings: tokenSettings, box, now, audit });
  const accessTokens = createAccessTokenIssuer({ ring: keyRing, settings: tokenSettings, now });
  const throttle = createLoginThrottleService({ throttle: config.loginThrottle, now });
  const clearLoginFailures = (email: string) => throttle.clearFailures(accountThrottleKey(email));
  const locks = createLockService({ locks: config.locks, now });
  const deviceTokens = createDeviceTokens({ ...config.jwt, ttlMs: config.deviceCookie.ttlMs, now });
  const mfaCodes = createMfaCodeService({ box, now, users: userRecords });
  const mfaChallenges = createMfaChallengeService({ config: config.mfa, now });
  // A proof of the mailbox reaches the identities module, which is built after the mail services it uses.
  const afterAddressProven: AfterAddressProven = (proof, client) => identities.afterAddressProven(proof, client);
  const { tokens, outbox, accountMail, verification } = createMailServices({
    config,
    now,
    audit,
    box,
    users: userRecords,
    afterAddressProven,
  });
  const reauth = createReauthService({ throttle: config.loginThrottle, now, hasher, codes: mfaCodes, sessions, users: userRecords, audit });
  const passkeys = createPasskeysServices({
    relyingParty: config.webauthn,
    now,
    users: userRecords,
    sessions,
    audit,
    notify: {
      changed: (user, change, client) => accountMail.sendSecondFactorNotice(user, change, { at: now(), ...client }),
      removedByAdmin: (user) => accountMail.sendPasskeysResetNotice(user),
    },
    // An account without a password (made through an OpenID provider) re-authenticates by a recent sign-in instead.
    confirmOwner: (auth, proof, client) => reauth.confirmPassword(auth, proof.password, client),
    otherSignInMethods: async (userId) => ((await userRecords.hasPassword(userId)) ? 1 : 0) + (await identities.countLinks(userId)),
    withLock: locks.withLock,
  });
  const identities = createIdentities({
    config,
    now,
    audit,
    users: userRecords,
    reauth,
    locks,
    accountMail,
    countPasskeys: passkeys.passkeys.countOf,
    endSignIns: async (userId) => {
      await sessions.revokeAllUserSessions(userId, 'identity_unlinked');
      await mfaChallenges.forgetUser(userId);
    },
  });
  const auth = createAuthService({
    config,
    now,
    hasher,
    passwordPolicy,
    accessTokens,
    users: userRecords,
    sessions,
    resolveCaller,
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
    passkeys: passkeys.signIn,
    oauthCodes: identities.codes,
  });
  const habits = createHabitsServices({
    now,
    limits: config.habits,
    users: createUserSettings(),
    outbox,
    productName: config.mail.productName,
    existingUserIds: userRecords.existingIds,
  });
  const forgetAccount = async (account: { id: string; email: string }) => {
    await Promise.all([
      tokens.forgetAccount(account),
      outbox.forgetAccount(account),
      mfaChallenges.forgetUser(account.id),
      throttle.forgetAccount(account),
      habits.data.forgetUser(account.id),
      passkeys.passkeys.forgetUser(account.id),
      identities.forgetUser(account.id),
    ]);
  };
  const users = createUserService({
    now,
    hasher,
    passwordPolicy,
    records: userRecords,
    sessions,
    audit,
    locks,
    reauth,
    clearLoginFailures,
    mailedLinks: {
      voidPasswordResets: (userId) => tokens.voidTokens(userId, ['password_reset']),
      voidPendingEmailChanges: tokens.voidPendingEmailChanges,
    },
    forgetAccount,
  });
  const mfa = createMfaService({
    config: config.mfa,
    now,
    box,
    reauth,
    sessions,
    audit,
    users: userRecords,
    notify: {
      reset: (user) => accountMail.sendMfaResetNotice(user),
      changed: (user, change, client) => accountMail.sendSecondFactorNotice(user, change, { at: now(), ...client }),
    },
    voidPendingEmailChanges: tokens.voidPendingEmailChanges,
  });
  const passwordReset = createPasswordResetService({
    mail: config.mail,
    hasher,
    passwordPolicy,
    users: userRecords,
    tokens,
    outbox,
    accountMail,
    sessions,
    clearLoginFailures,
    afterAddressProven,
    audit,
  });
  const emailChange = createEmailChangeService({
    mail: config.mail,
    users: userRecords,
    tokens,
    accountMail,
    sessions,
    audit,
    reauth,
    afterAddressProven,
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
  const metrics = config.metrics.enabled
    ? createMetricsService({
        now,
        outboxCounts: outbox.countByStatus,
        activeSessions: sessions.countActiveSessions,
        signingKeys: keyRing.countByState,
      })
    : undefined;
  const { rateLimit } = config;
  /** The store a limiter counts in: shared through the database, or undefined for this process's memory. */
  const rateLimitStore = (prefix: string, limit: number) =>
    rateLimit.store === 'mongo'
      ? createSharedRateLimitStore({ prefix, windowMs: rateLimit.windowMs, timeoutMs: rateLimit.storeTimeoutMs, limit, now })
      : undefined;
  return {
    config,
    now,
    rateLimitStore,
    geo: options.geo,
    hasher,
    accessTokens,
    keyRing,
    metrics,
    services: {
      audit,
      userRecords,
      sessions,
      resolveCaller,
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
      habits,
      passkeys,
      identities,
    },
    /** Background work that server.ts starts and stops. */
    jobs: { outbox: outboxJob, signingKeys: createKeysJob(keyRing, tokenSettings.reloadMs), habitSummaries: habits.job },
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
