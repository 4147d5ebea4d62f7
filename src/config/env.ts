import os from 'node:os';
import dotenv from 'dotenv';
import { z } from 'zod';
import { parseDuration } from '../lib/duration';
import { parseOidcProviders, providerIdsOf, type OidcProviderSettings } from './oidc-providers';
import { ROLES, type Role } from './roles';
import { parseEncryptionKey, developmentEncryptionKey, isStrongEncryptionKey } from '../lib/encryption-key';

/** Placeholder secret shipped (commented out) in .env.example. */
export const EXAMPLE_JWT_SECRET = 'change-me-to-at-least-32-random-bytes-of-secret';
/**
 * Signing secrets this repository ships for copying (.env.example, the test set-up): anyone can read
 * them, so they are refused for JWT_SECRET and JWT_PREVIOUS_SECRET everywhere but under NODE_ENV=test.
 */
export const KNOWN_EXAMPLE_SECRETS: readonly string[] = [EXAMPLE_JWT_SECRET, 'test-secret-that-is-long-enough-for-hs256-0123456789'];
/** Placeholder admin password shipped in .env.example; refused for start-up seeding in production. */
export const EXAMPLE_ADMIN_PASSWORD = 'ChangeMe-Admin-Passw0rd!';
const MIN_PRODUCTION_SECRET_BYTES = 32;

function duration(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected milliseconds or a duration like 15m or 7d, got "${value}"` });
        return z.NEVER;
      }
      return ms;
    });
}

function integer(fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.string().default(String(fallback)).transform(Number).pipe(z.number().int().min(min).max(max));
}

function flag(fallback: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => ['true', '1', 'yes'].includes(value));
}

function list() {
  return z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    );
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A byte count: plain bytes or a size like 512kb, 128mb, 1gb (binary units). */
function byteSize(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(value.trim());
      if (!match) {
        ctx.addIssue({ code: 'custom', message: `expected bytes or a size like 128mb, got "${value}"` });
        return z.NEVER;
      }
      return Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1);
    })
    .pipe(z.number().int().min(1));
}

/** Express's `trust proxy`: false, true, a hop count, or a comma-separated list of addresses/subnets. */
function trustProxy() {
  return z
    .string()
    .default('false')
    .transform((value): boolean | number | string => {
      if (value === 'true' || value === 'false') return value === 'true';
      return /^\d+$/.test(value) ? Number(value) : value;
    });
}

/** Roles that must use a second factor for privileged routes; `none` turns the rule off. */
function mfaRequiredRoles() {
  return z
    .string()
    .default('admin')
    .transform((value, ctx): Role[] => {
      if (value.trim() === 'none') return [];
      const names = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
      const unknown = names.filter((name) => !(ROLES as readonly string[]).includes(name));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `unknown role(s) ${unknown.join(', ')}; expected ${ROLES.join(', ')} or none` });
        return z.NEVER;
      }
      return names as Role[];
    });
}

/** 32 bytes given as 64 hex or 44 base64 characters. */
function encryptionKey() {
  return z.string().transform((value, ctx) => {
    const key = parseEncryptionKey(value);
    if (!key) {
      ctx.addIssue({ code: 'custom', message: 'expected 32 random bytes as 64 hex or 44 base64 characters' });
      return z.NEVER;
    }
    return key;
  });
}

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: integer(3000, 0, 65535),
  TRUST_PROXY: trustProxy(),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)?$/i, 'expected a size like 100kb')
    .default('100kb'),
  SHUTDOWN_GRACE: duration('10s'),
  HTTP_HEADERS_TIMEOUT: duration('20s'),
  HTTP_REQUEST_TIMEOUT: duration('30s'),
  HTTP_KEEP_ALIVE_TIMEOUT: duration('5s'),
  HTTP_CONNECTIONS_CHECK_INTERVAL: duration('5s'),
  HTTP_MAX_CONNECTIONS: integer(2000, 1),
  CORS_ORIGINS: list(),

  MONGODB_URI: z
    .string({ error: 'required: the MongoDB connection string' })
    .regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// or mongodb+srv:// URI'),
  DATABASE_EMBEDDED: flag(false),
  DB_SERVER_SELECTION_TIMEOUT: duration('1500ms'),
  DB_OPERATION_TIMEOUT: duration('4s'),
  DB_CONNECT_TIMEOUT: duration('2s'),
  DB_HEARTBEAT_INTERVAL: duration('1s'),
  DB_RETRY_AFTER: duration('2s'),
  DB_MAX_POOL_SIZE: integer(20, 1, 1000),
  DB_CONNECT_RETRIES: integer(10, 0, 1000),

  JWT_SECRET: z
    .string({ error: 'required: the secret refresh-token successors and device cookies are derived from' })
    .min(16, 'must be at least 16 characters'),
  JWT_PREVIOUS_SECRET: z.string().min(16).optional(),
  JWT_ACCESS_TTL: duration('5m'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  ACCESS_TOKEN_ALG: z.enum(['ES256', 'RS256']).default('ES256'),
  TOKEN_ISSUER: z.string().trim().min(1).optional(),
  TOKEN_AUDIENCE: z.string().trim().min(1).default('keyhold-api'),
  JWKS_MAX_AGE: duration('10m'),
  SIGNING_KEY_ROTATION: duration('30d'),
  SIGNING_KEY_RELOAD: duration('30s'),
  ACCESS_TOKEN_CACHE_SIZE: integer(10_000, 0, 1_000_000),
  ACCESS_TOKEN_MAX_LENGTH: integer(4096, 512, 65_536),

  SESSION_IDLE_TTL: duration('7d'),
  SESSION_ABSOLUTE_TTL: duration('30d'),
  SESSION_TOUCH_INTERVAL: duration('60s'),
  SESSION_SWEEP_INTERVAL: duration('1h'),
  REFRESH_REUSE_GRACE: duration('5s'),
  REFRESH_REUSE_LOOKBACK: integer(100, 0, 10_000),
  REFRESH_COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('refreshToken'),
  REFRESH_COOKIE_SAMESITE: z.enum(['strict', 'lax', 'none']).default('strict'),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  DEVICE_COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('deviceToken'),
  DEVICE_COOKIE_TTL: duration('90d'),

  BCRYPT_COST: integer(12, 4, 15),
  PASSWORD_MIN_LENGTH: integer(12, 8, 128),
  // An operator's own list of refused passwords, one per line, added to the built-in common passwords.
  PASSWORD_BLOCKLIST_PATH: z.string().min(1).optional(),
  // Every core hashes; the workers run at a lower priority, so request handling still wins the CPU.
  PASSWORD_HASH_WORKERS: integer(os.availableParallelism(), 1, 64),
  PASSWORD_HASH_MAX_WAIT: duration('4s'),
  // A refused password check is answered after this pause, so clients that retry at once cannot spin.
  PASSWORD_HASH_BUSY_DELAY: duration('1s'),

  RATE_LIMIT_ENABLED: flag(true),
  RATE_LIMIT_STORE: z.enum(['mongo', 'memory']).default('mongo'),
  RATE_LIMIT_STORE_TIMEOUT: duration('1s'),
  RATE_LIMIT_WINDOW_MS: duration('1m'),
  RATE_LIMIT_MAX: integer(600, 1),
  AUTH_RATE_LIMIT_MAX: integer(30, 1),
  LOGIN_MAX_FAILURES: integer(5, 1, 1000),
  LOGIN_FAILURE_WINDOW: duration('15m'),
  LOGIN_LOCKOUT: duration('15m'),

  AUDIT_RETENTION: duration('365d'),
  LOCK_LEASE: duration('5s'),
  LOCK_WAIT: duration('8s'),

  PAGE_SIZE_DEFAULT: integer(20, 1, 1000),
  PAGE_SIZE_MAX: integer(100, 1, 1000),

  HABITS_MAX: integer(200, 1, 10_000),
  // At least a week, so the day a weekly habit's streak hinges on is always inside the writable window.
  HABIT_BACKFILL_DAYS: integer(30, 7, 366),
  HABIT_SUMMARY_INTERVAL: duration('1h'),
  HABIT_LIST_CACHE_ENTRIES: integer(1000, 0, 1_000_000),
  COMPRESSION_THRESHOLD: byteSize('1kb'),

  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  SEED_ADMIN_ON_START: flag(false),

  MAXMIND_ACCOUNT_ID: z.string().optional(),
  MAXMIND_LICENSE_KEY: z.string().optional(),
  GEOIP_DB_PATH: z.string().default('.data/geoip/GeoLite2-City.mmdb'),
  GEOIP_DOWNLOAD_URL: z.url().default('https://download.maxmind.com/geoip/databases/GeoLite2-City/download?suffix=tar.gz'),
  GEOIP_MAX_AGE: duration('7d'),
  GEOIP_REFRESH_INTERVAL: duration('7d'),
  GEOIP_DOWNLOAD_TIMEOUT: duration('2m'),
  GEOIP_RETRY_BASE: duration('1m'),
  // Set by `npm run dev` when it restarts the server after a change: notices its first start showed go to debug.
  DEV_RELOAD: flag(false),
  // GeoLite2-City is about 40 MB packed and 70 MB unpacked; the caps leave room to grow, not to fill a disk.
  GEOIP_MAX_ARCHIVE_SIZE: byteSize('256mb'),
  GEOIP_MAX_DATABASE_SIZE: byteSize('512mb'),

  MFA_REQUIRED_ROLES: mfaRequiredRoles(),
  MFA_TOKEN_TTL: duration('5m'),
  MFA_ISSUER: z.string().trim().min(1).max(64).default('Keyhold'),
  // Passkeys: the relying party is the site the passkeys belong to (a domain name, never an IP address).
  WEBAUTHN_RP_ID: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)*$/, 'expected a host name such as example.com')
    .optional(),
  WEBAUTHN_RP_NAME: z.string().trim().min(1).max(64).default('Keyhold'),
  WEBAUTHN_ORIGINS: list(),
  WEBAUTHN_CHALLENGE_TTL: duration('5m'),
  WEBAUTHN_MAX_PASSKEYS: integer(10, 1, 100),
  DATA_ENCRYPTION_KEY: encryptionKey().optional(),
  DATA_ENCRYPTION_PREVIOUS_KEY: encryptionKey().optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'expected an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.string().default('Keyhold <no-reply@keyhold.localhost>'),
  MAIL_PRODUCT_NAME: z.string().default('Keyhold'),
  APP_URL: z.url({ protocol: /^https?$/ }).optional(),
  HOSTED_PAGES: flag(true),
  PASSWORD_RESET_TTL: duration('15m'),
  EMAIL_VERIFICATION_TTL: duration('24h'),
  EMAIL_REVERT_TTL: duration('7d'),
  MAIL_RESEND_INTERVAL: duration('60s'),
  MAIL_MAX_ATTEMPTS: integer(8, 1, 100),
  MAIL_RETRY_BASE: duration('30s'),
  MAIL_RETRY_MAX: duration('1h'),
  MAIL_POLL_INTERVAL: duration('2s'),
  MAIL_LEASE: duration('2m'),
  MAIL_SEND_TIMEOUT: duration('30s'),
  MAIL_SENT_RETENTION: duration('7d'),
  MAIL_PRUNE_INTERVAL: duration('1h'),
  REQUIRE_VERIFIED_EMAIL: flag(false),

  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'debug', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty', 'auto']).default('auto'),

  METRICS_ENABLED: flag(true),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),

  OIDC_PROVIDERS: z.string().default(''),
  OIDC_HTTP_TIMEOUT: duration('5s'),
  OIDC_ATTEMPT_TTL: duration('10m'),
  OIDC_CODE_TTL: duration('60s'),
});

type Environment = z.infer<typeof environmentSchema>;

/** Every variable the service reads; .env.example documents each one. */
export const ENVIRONMENT_VARIABLES = Object.keys(environmentSchema.shape);

const GEOIP_KEYS = {
  MAXMIND_ACCOUNT_ID: true,
  MAXMIND_LICENSE_KEY: true,
  GEOIP_DB_PATH: true,
  GEOIP_DOWNLOAD_URL: true,
  GEOIP_MAX_AGE: true,
  GEOIP_REFRESH_INTERVAL: true,
  GEOIP_DOWNLOAD_TIMEOUT: true,
  GEOIP_RETRY_BASE: true,
  DEV_RELOAD: true,
  GEOIP_MAX_ARCHIVE_SIZE: true,
  GEOIP_MAX_DATABASE_SIZE: true,
} as const;

function buildGeoIpConfig(env: Pick<Environment, keyof typeof GEOIP_KEYS>) {
  return {
    accountId: env.MAXMIND_ACCOUNT_ID,
    licenseKey: env.MAXMIND_LICENSE_KEY,
    dbPath: env.GEOIP_DB_PATH,
    downloadUrl: env.GEOIP_DOWNLOAD_URL,
    maxAgeMs: env.GEOIP_MAX_AGE,
    refreshIntervalMs: env.GEOIP_REFRESH_INTERVAL,
    downloadTimeoutMs: env.GEOIP_DOWNLOAD_TIMEOUT,
    retryBaseMs: env.GEOIP_RETRY_BASE,
    /** The "updates disabled" notice: a warning once per start, not once per development reload. */
    disabledNoticeLevel: env.DEV_RELOAD ? ('debug' as const) : ('warn' as const),
    maxArchiveBytes: env.GEOIP_MAX_ARCHIVE_SIZE,
    maxDatabaseBytes: env.GEOIP_MAX_DATABASE_SIZE,
  };
}

/** The service's own public base URL: PUBLIC_URL, else http://localhost:<PORT>. */
function publicUrlOf(env: Environment): string {
  return (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
}

/** The frontend's base URL (mail links, and the default relying party of passkeys). */
function appUrlOf(env: Environment): string {
  return (env.APP_URL ?? `${publicUrlOf(env)}/account`).replace(/\/+$/, '');
}

/** The passkey relying party: by default the frontend's host and origin, so passkeys follow APP_URL. */
function buildWebAuthnConfig(env: Environment) {
  const appUrl = new URL(appUrlOf(env));
  return {
    rpId: env.WEBAUTHN_RP_ID ?? appUrl.hostname,
    rpName: env.WEBAUTHN_RP_NAME,
    origins: env.WEBAUTHN_ORIGINS.length > 0 ? env.WEBAUTHN_ORIGINS : [appUrl.origin],
    challengeTtlMs: env.WEBAUTHN_CHALLENGE_TTL,
    maxPasskeys: env.WEBAUTHN_MAX_PASSKEYS,
  };
}

function buildMailConfig(env: Environment) {
  return {
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM,
    productName: env.MAIL_PRODUCT_NAME,
    // Links point at the hosted account pages by default, so every mail works with no frontend of one's own.
    appUrl: appUrlOf(env),
    passwordResetTtlMs: env.PASSWORD_RESET_TTL,
    emailVerificationTtlMs: env.EMAIL_VERIFICATION_TTL,
    emailRevertTtlMs: env.EMAIL_REVERT_TTL,
    resendIntervalMs: env.MAIL_RESEND_INTERVAL,
    maxAttempts: env.MAIL_MAX_ATTEMPTS,
    retryBaseMs: env.MAIL_RETRY_BASE,
    retryMaxMs: env.MAIL_RETRY_MAX,
    pollIntervalMs: env.MAIL_POLL_INTERVAL,
    leaseMs: env.MAIL_LEASE,
    sendTimeoutMs: env.MAIL_SEND_TIMEOUT,
    sentRetentionMs: env.MAIL_SENT_RETENTION,
    pruneIntervalMs: env.MAIL_PRUNE_INTERVAL,
    requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
  };
}

function buildConfig(env: Environment, oidcProviders: OidcProviderSettings[]) {
  const isProduction = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    isProduction,
    http: {
      host: env.HOST,
      port: env.PORT,
      trustProxy: env.TRUST_PROXY,
      bodyLimit: env.BODY_LIMIT,
      shutdownGraceMs: env.SHUTDOWN_GRACE,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT,
      connectionsCheckingIntervalMs: env.HTTP_CONNECTIONS_CHECK_INTERVAL,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
      corsOrigins: env.CORS_ORIGINS,
    },
    db: {
      uri: env.MONGODB_URI,
      embedded: env.DATABASE_EMBEDDED,
      serverSelectionTimeoutMs: env.DB_SERVER_SELECTION_TIMEOUT,
      operationTimeoutMs: env.DB_OPERATION_TIMEOUT,
      connectTimeoutMs: env.DB_CONNECT_TIMEOUT,
      heartbeatIntervalMs: env.DB_HEARTBEAT_INTERVAL,
      retryAfterMs: env.DB_RETRY_AFTER,
      maxPoolSize: env.DB_MAX_POOL_SIZE,
      connectRetries: env.DB_CONNECT_RETRIES,
    },
    jwt: {
      secret: env.JWT_SECRET,
      previousSecret: env.JWT_PREVIOUS_SECRET,
      accessTtlMs: env.JWT_ACCESS_TTL,
    },
    publicUrl: publicUrlOf(env),
    hostedPages: { enabled: env.HOSTED_PAGES },
    publicUrlConfigured: env.PUBLIC_URL !== undefined,
    tokens: {
      algorithm: env.ACCESS_TOKEN_ALG,
      issuer: env.TOKEN_ISSUER ?? publicUrlOf(env),
      audience: env.TOKEN_AUDIENCE,
      accessTtlMs: env.JWT_ACCESS_TTL,
      jwksMaxAgeMs: env.JWKS_MAX_AGE,
      rotationMs: env.SIGNING_KEY_ROTATION,
      reloadMs: env.SIGNING_KEY_RELOAD,
      cacheSize: env.ACCESS_TOKEN_CACHE_SIZE,
      maxTokenLength: env.ACCESS_TOKEN_MAX_LENGTH,
    },
    session: {
      idleTtlMs: env.SESSION_IDLE_TTL,
      absoluteTtlMs: env.SESSION_ABSOLUTE_TTL,
      touchIntervalMs: env.SESSION_TOUCH_INTERVAL,
      sweepIntervalMs: env.SESSION_SWEEP_INTERVAL,
      refreshReuseGraceMs: env.REFRESH_REUSE_GRACE,
      refreshReuseLookback: env.REFRESH_REUSE_LOOKBACK,
    },
    cookie: {
      name: env.REFRESH_COOKIE_NAME,
      path: '/api/v1/auth',
      sameSite: env.REFRESH_COOKIE_SAMESITE,
      secure: env.COOKIE_SECURE === 'auto' ? isProduction : env.COOKIE_SECURE === 'true',
    },
    deviceCookie: {
      name: env.DEVICE_COOKIE_NAME,
      ttlMs: env.DEVICE_COOKIE_TTL,
    },
    password: {
      bcryptCost: env.BCRYPT_COST,
      minLength: env.PASSWORD_MIN_LENGTH,
      maxLength: 128,
      blocklistPath: env.PASSWORD_BLOCKLIST_PATH,
      hashWorkers: env.PASSWORD_HASH_WORKERS,
      hashMaxWaitMs: env.PASSWORD_HASH_MAX_WAIT,
      hashBusyDelayMs: env.PASSWORD_HASH_BUSY_DELAY,
    },
    rateLimit: {
      enabled: env.RATE_LIMIT_ENABLED,
      store: env.RATE_LIMIT_STORE,
      storeTimeoutMs: env.RATE_LIMIT_STORE_TIMEOUT,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
      max: env.RATE_LIMIT_MAX,
      authMax: env.AUTH_RATE_LIMIT_MAX,
    },
    loginThrottle: {
      maxFailures: env.LOGIN_MAX_FAILURES,
      failureWindowMs: env.LOGIN_FAILURE_WINDOW,
      lockoutMs: env.LOGIN_LOCKOUT,
    },
    audit: {
      retentionMs: env.AUDIT_RETENTION,
    },
    locks: {
      leaseMs: env.LOCK_LEASE,
      waitMs: env.LOCK_WAIT,
    },
    pagination: {
      defaultLimit: Math.min(env.PAGE_SIZE_DEFAULT, env.PAGE_SIZE_MAX),
      maxLimit: env.PAGE_SIZE_MAX,
    },
    habits: {
      max: env.HABITS_MAX,
      backfillDays: env.HABIT_BACKFILL_DAYS,
      summaryIntervalMs: env.HABIT_SUMMARY_INTERVAL,
      listCacheEntries: env.HABIT_LIST_CACHE_ENTRIES,
    },
    compression: { thresholdBytes: env.COMPRESSION_THRESHOLD },
    admin: {
      email: env.ADMIN_EMAIL,
      password: env.ADMIN_PASSWORD,
      seedOnStart: env.SEED_ADMIN_ON_START,
    },
    geoip: buildGeoIpConfig(env),
    mfa: {
      requiredRoles: env.MFA_REQUIRED_ROLES,
      tokenTtlMs: env.MFA_TOKEN_TTL,
      issuer: env.MFA_ISSUER,
    },
    webauthn: buildWebAuthnConfig(env),
    encryption: {
      // Outside production a key derived from JWT_SECRET keeps development zero-configuration and stable across restarts.
      key: env.DATA_ENCRYPTION_KEY ?? developmentEncryptionKey(env.JWT_SECRET),
      previousKey: env.DATA_ENCRYPTION_PREVIOUS_KEY ?? null,
    },
    mail: buildMailConfig(env),
    log: {
      level: env.LOG_LEVEL,
      format: env.LOG_FORMAT === 'auto' ? (isProduction ? 'json' : 'pretty') : env.LOG_FORMAT,
    },
    metrics: { enabled: env.METRICS_ENABLED, token: env.METRICS_TOKEN },
    oidc: {
      providers: oidcProviders,
      httpTimeoutMs: env.OIDC_HTTP_TIMEOUT,
      attemptTtlMs: env.OIDC_ATTEMPT_TTL,
      codeTtlMs: env.OIDC_CODE_TTL,
    },
  } as const;
}

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object ? DeepReadonly<T[K]> : T[K] };
export type Config = DeepReadonly<ReturnType<typeof buildConfig>>;

/** Thrown when the environment is unusable; `problems` names every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Settings that are each valid but contradict one another. */
function consistencyProblems(env: Environment): string[] {
  const problems: string[] = [];
  // A waiter that gives up before a crashed holder's lease runs out would answer BUSY for nothing.
  if (env.LOCK_WAIT < env.LOCK_LEASE) problems.push('LOCK_WAIT: must be at least LOCK_LEASE, so a waiter outlasts a crashed holder');
  // A mail lease that ran out mid-send would let a second worker send the same message.
  if (env.MAIL_LEASE <= env.MAIL_SEND_TIMEOUT) problems.push('MAIL_LEASE: must be longer than MAIL_SEND_TIMEOUT');
  return problems;
}

/** Example secrets are public: refused wherever real tokens are signed, which is everywhere but tests. */
function exampleSecretProblems(env: Environment): string[] {
  if (env.NODE_ENV === 'test') return [];
  return (['JWT_SECRET', 'JWT_PREVIOUS_SECRET'] as const)
    .filter((name) => env[name] !== undefined && KNOWN_EXAMPLE_SECRETS.includes(env[name]))
    .map((name) => `${name}: this is a published example value; generate your own (e.g. openssl rand -base64 48)`);
}

function productionProblems(env: Environment): string[] {
  if (env.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  for (const name of ['JWT_SECRET', 'JWT_PREVIOUS_SECRET'] as const) {
    const secret = env[name];
    if (secret !== undefined && Buffer.byteLength(secret) < MIN_PRODUCTION_SECRET_BYTES) {
      problems.push(`${name}: production needs a unique secret of at least ${MIN_PRODUCTION_SECRET_BYTES} bytes`);
    }
  }
  if (env.TRUST_PROXY === true) {
    problems.push(
      'TRUST_PROXY: "true" trusts every X-Forwarded-For hop, so any client can forge its IP; ' +
        'set the number of proxies in front of the service (e.g. 1) or their addresses (e.g. "10.0.0.0/8")',
    );
  }
  if (!env.DATA_ENCRYPTION_KEY || !isStrongEncryptionKey(env.DATA_ENCRYPTION_KEY)) {
    problems.push('DATA_ENCRYPTION_KEY: production needs 32 random bytes (64 hex or 44 base64 characters), e.g. `openssl rand -hex 32`');
  }
  if (env.DATABASE_EMBEDDED) problems.push('DATABASE_EMBEDDED: the embedded development database is refused in production');
  if (env.SEED_ADMIN_ON_START && env.ADMIN_PASSWORD === EXAMPLE_ADMIN_PASSWORD) {
    problems.push('ADMIN_PASSWORD: the example admin password is refused in production');
  }
  if (env.SMTP_URL && !env.APP_URL && !(env.PUBLIC_URL && env.HOSTED_PAGES)) {
    problems.push('APP_URL: production needs the frontend URL that mail links point to (or PUBLIC_URL, for the hosted pages)');
  }
  return problems;
}

/** Combinations Node or the driver would refuse or silently ignore. */
function timeoutProblems(env: Environment): string[] {
  const problems: string[] = [];
  if (env.HTTP_REQUEST_TIMEOUT > 0 && env.HTTP_HEADERS_TIMEOUT > env.HTTP_REQUEST_TIMEOUT) {
    problems.push('HTTP_HEADERS_TIMEOUT: must not exceed HTTP_REQUEST_TIMEOUT');
  }
  if (env.DB_HEARTBEAT_INTERVAL < 500) problems.push('DB_HEARTBEAT_INTERVAL: the driver checks at most every 500ms');
  if (env.DB_OPERATION_TIMEOUT <= 0) problems.push('DB_OPERATION_TIMEOUT: must be positive, or a frozen database hangs requests');
  return problems;
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/** Parses an environment (process.env by default) into the frozen, typed configuration. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const present = presentValues(source);
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const oidc = parseOidcProviders(providerIdsOf(parsed.data.OIDC_PROVIDERS), present, parsed.data.NODE_ENV === 'production');
  const problems = [
    ...oidc.problems,
    ...timeoutProblems(parsed.data),
    ...consistencyProblems(parsed.data),
    ...exampleSecretProblems(parsed.data),
    ...productionProblems(parsed.data),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(buildConfig(parsed.data, oidc.providers));
}

function presentValues(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/** Only the GeoIP settings, for `npm run geoip:update`, which needs no database or secret. */
export function loadGeoIpConfigFromEnvironment(): Config['geoip'] {
  dotenv.config({ quiet: true });
  const parsed = environmentSchema.pick(GEOIP_KEYS).safeParse(presentValues(process.env));
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  return Object.freeze(buildGeoIpConfig(parsed.data));
}

/** Loads `.env` (if present, never overriding the real environment) and then the configuration. */
export function loadConfigFromEnvironment(): Config {
  dotenv.config({ quiet: true });
  return loadConfig(process.env);
}
