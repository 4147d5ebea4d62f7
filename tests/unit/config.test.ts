import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ENVIRONMENT_VARIABLES, EXAMPLE_JWT_SECRET, KNOWN_EXAMPLE_SECRETS, loadConfig } from '../../src/config/env';

const RANDOM_KEY_HEX = randomBytes(32).toString('hex');
const VALID = {
  DATA_ENCRYPTION_KEY: RANDOM_KEY_HEX,
  MONGODB_URI: 'mongodb://127.0.0.1:27017/keyhold',
  JWT_SECRET: 'a-development-secret-0123456789',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('when only the required values are given, then every default is applied and the result is frozen', () => {
    const config = loadConfig(VALID);
    expect(config.http.port).toBe(3000);
    expect(config.jwt.accessTtlMs).toBe(5 * 60_000);
    expect(config.session.refreshReuseGraceMs).toBe(5000);
    expect(config.cookie).toEqual({ name: 'refreshToken', path: '/api/v1/auth', sameSite: 'strict', secure: false });
    expect(config.http.bodyLimit).toBe('100kb');
    expect(config.pagination.maxLimit).toBe(100);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jwt)).toBe(true);
  });

  it('when durations are given as strings or milliseconds, then both are understood', () => {
    const config = loadConfig({ ...VALID, SESSION_IDLE_TTL: '15m', SESSION_ABSOLUTE_TTL: '7d', JWT_ACCESS_TTL: '90000' });
    expect(config.session.idleTtlMs).toBe(900_000);
    expect(config.session.absoluteTtlMs).toBe(7 * 86_400_000);
    expect(config.jwt.accessTtlMs).toBe(90_000);
  });

  it('when several values are bad, then one error names every bad variable', () => {
    const problems = problemsOf({ PORT: 'eighty', SESSION_IDLE_TTL: '7 fortnights', LOG_LEVEL: 'loud' });
    const names = problems.map((problem) => problem.split(':')[0]);
    expect(names).toEqual(expect.arrayContaining(['PORT', 'SESSION_IDLE_TTL', 'LOG_LEVEL', 'MONGODB_URI', 'JWT_SECRET']));
  });

  it('when in production, then a weak secret, the example secret and the embedded database are refused', () => {
    expect(problemsOf({ ...VALID, NODE_ENV: 'production' })[0]).toMatch(/^JWT_SECRET/);
    expect(problemsOf({ ...VALID, NODE_ENV: 'production', JWT_SECRET: EXAMPLE_JWT_SECRET })[0]).toMatch(/^JWT_SECRET/);
    const strong = 'x'.repeat(48);
    const production = { ...VALID, NODE_ENV: 'production', JWT_SECRET: strong, DATA_ENCRYPTION_KEY: RANDOM_KEY_HEX };
    expect(problemsOf({ ...production, DATABASE_EMBEDDED: 'true' })[0]).toMatch(/^DATABASE_EMBEDDED/);
    expect(loadConfig(production).cookie.secure).toBe(true);
  });

  it('when in production without a strong DATA_ENCRYPTION_KEY, then it refuses to start', () => {
    const production = { ...VALID, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48), DATA_ENCRYPTION_KEY: '' };
    expect(problemsOf(production)[0]).toMatch(/^DATA_ENCRYPTION_KEY/);
    expect(problemsOf({ ...production, DATA_ENCRYPTION_KEY: '0'.repeat(64) })[0]).toMatch(/^DATA_ENCRYPTION_KEY/);
    expect(problemsOf({ ...production, DATA_ENCRYPTION_KEY: 'too-short' })[0]).toMatch(/^DATA_ENCRYPTION_KEY/);
  });

  it('when DATA_ENCRYPTION_KEY is 64 hex or 44 base64 characters, then both give the same key', () => {
    const base64 = Buffer.from(RANDOM_KEY_HEX, 'hex').toString('base64');
    expect(base64).toHaveLength(44);
    expect(loadConfig({ ...VALID, DATA_ENCRYPTION_KEY: base64 }).encryption.key).toBe(RANDOM_KEY_HEX);
    expect(loadConfig({ ...VALID, DATA_ENCRYPTION_KEY: RANDOM_KEY_HEX.toUpperCase() }).encryption.key).toBe(RANDOM_KEY_HEX);
  });

  it('when MFA_REQUIRED_ROLES is none, a list, or names an unknown role, then it is off, that list, or refused', () => {
    expect(loadConfig(VALID).mfa.requiredRoles).toEqual(['admin']);
    expect(loadConfig({ ...VALID, MFA_REQUIRED_ROLES: 'none' }).mfa.requiredRoles).toEqual([]);
    expect(loadConfig({ ...VALID, MFA_REQUIRED_ROLES: 'admin, moderator' }).mfa.requiredRoles).toEqual(['admin', 'moderator']);
    expect(problemsOf({ ...VALID, MFA_REQUIRED_ROLES: 'root' })[0]).toMatch(/^MFA_REQUIRED_ROLES/);
  });

  it('when a lock wait is shorter than the lock lease, then it is refused (a waiter must outlast a crashed holder)', () => {
    expect(problemsOf({ ...VALID, LOCK_LEASE: '10s', LOCK_WAIT: '5s' })).toEqual([expect.stringMatching(/^LOCK_WAIT/)]);
    expect(loadConfig(VALID).locks).toEqual({ leaseMs: 5000, waitMs: 8000 });
  });

  it('when TRUST_PROXY is a hop count or a list, then it is passed to Express as such', () => {
    expect(loadConfig({ ...VALID, TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ ...VALID, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).http.trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({ ...VALID, TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
  });

  it('when TRUST_PROXY=true in production, then it is refused with a hint; a hop count or list is accepted', () => {
    const production = { ...VALID, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48) };
    expect(problemsOf({ ...production, TRUST_PROXY: 'true' })).toEqual([expect.stringMatching(/^TRUST_PROXY: .*(hop|address)/)]);
    expect(loadConfig({ ...production, TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ ...production, TRUST_PROXY: '10.0.0.0/8' }).http.trustProxy).toBe('10.0.0.0/8');
  });

  it.each(['development', 'production'])('when NODE_ENV=%s, then every shipped example secret is refused as either JWT secret', (env) => {
    for (const secret of KNOWN_EXAMPLE_SECRETS) {
      expect(problemsOf({ ...VALID, NODE_ENV: env, JWT_SECRET: secret })).toEqual([expect.stringMatching(/^JWT_SECRET: .*example/)]);
      expect(problemsOf({ ...VALID, NODE_ENV: env, JWT_PREVIOUS_SECRET: secret })).toEqual(
        env === 'production'
          ? expect.arrayContaining([expect.stringMatching(/^JWT_PREVIOUS_SECRET: .*example/)])
          : [expect.stringMatching(/^JWT_PREVIOUS_SECRET: .*example/)],
      );
    }
  });

  it('when NODE_ENV=test, then the example secrets are accepted (the suite signs with one)', () => {
    expect(loadConfig({ ...VALID, NODE_ENV: 'test', JWT_SECRET: EXAMPLE_JWT_SECRET }).jwt.secret).toBe(EXAMPLE_JWT_SECRET);
  });

  it('when the previous secret is short in production, then it is refused like the current one', () => {
    const production = { ...VALID, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48) };
    expect(problemsOf({ ...production, JWT_PREVIOUS_SECRET: 'short-but-16-chars' })[0]).toMatch(/^JWT_PREVIOUS_SECRET/);
  });

  it('when GeoIP size caps are given as sizes or bytes, then they are bytes; nonsense is refused', () => {
    expect(loadConfig(VALID).geoip).toMatchObject({ maxArchiveBytes: 256 * 1024 ** 2, maxDatabaseBytes: 512 * 1024 ** 2 });
    const sized = loadConfig({ ...VALID, GEOIP_MAX_ARCHIVE_SIZE: '128MB', GEOIP_MAX_DATABASE_SIZE: '1000000' }).geoip;
    expect(sized).toMatchObject({ maxArchiveBytes: 128 * 1024 ** 2, maxDatabaseBytes: 1_000_000 });
    expect(problemsOf({ ...VALID, GEOIP_MAX_ARCHIVE_SIZE: 'lots', GEOIP_MAX_DATABASE_SIZE: '0' }).map((p) => p.split(':')[0])).toEqual([
      'GEOIP_MAX_ARCHIVE_SIZE',
      'GEOIP_MAX_DATABASE_SIZE',
    ]);
  });

  it('when empty strings are set (as in a copied .env), then defaults apply', () => {
    expect(loadConfig({ ...VALID, PORT: '', MAXMIND_LICENSE_KEY: '' }).http.port).toBe(3000);
  });
});

describe('mail configuration', () => {
  const strong = { ...VALID, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48) };

  it('when APP_URL is unset, then links point at the hosted pages of the service, on its port or PUBLIC_URL', () => {
    expect(loadConfig({ ...VALID, PORT: '4100' }).mail.appUrl).toBe('http://localhost:4100/account');
    expect(loadConfig({ ...VALID, PUBLIC_URL: 'https://auth.example.com/' }).mail.appUrl).toBe('https://auth.example.com/account');
    expect(loadConfig({ ...VALID, APP_URL: 'https://app.example.com/' }).mail.appUrl).toBe('https://app.example.com');
  });

  it('when production has SMTP_URL but neither APP_URL nor PUBLIC_URL with the hosted pages, then start-up is refused', () => {
    const smtp = { ...strong, SMTP_URL: 'smtps://u:p@smtp.example.com' };
    expect(problemsOf(smtp)[0]).toMatch(/^APP_URL/);
    expect(problemsOf({ ...smtp, PUBLIC_URL: 'https://auth.example.com' })).toEqual([]);
    expect(problemsOf({ ...smtp, PUBLIC_URL: 'https://auth.example.com', HOSTED_PAGES: 'false' })[0]).toMatch(/^APP_URL/);
    expect(problemsOf({ ...strong, SMTP_URL: 'smtps://u:p@smtp.example.com', APP_URL: 'https://app.example.com' })).toEqual([]);
    expect(problemsOf(strong)).toEqual([]);
  });

  it('when SMTP_URL is not smtp(s) or the lease is not longer than a send, then the variable is named', () => {
    expect(problemsOf({ ...VALID, SMTP_URL: 'http://mail.example.com' })[0]).toMatch(/^SMTP_URL/);
    expect(problemsOf({ ...VALID, MAIL_LEASE: '30s', MAIL_SEND_TIMEOUT: '30s' })[0]).toMatch(/^MAIL_LEASE/);
  });
});

describe('.env.example', () => {
  it('when compared with the configuration schema, then it documents every variable and no stale one', () => {
    const example = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8');
    const documented = [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect([...documented].sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
  });

  it('when copied to .env as it is, then it sets no secret: the secrets are commented out', () => {
    const example = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8');
    const active = Object.fromEntries([...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    for (const name of ['JWT_SECRET', 'JWT_PREVIOUS_SECRET', 'ADMIN_PASSWORD', 'MAXMIND_LICENSE_KEY']) expect(active[name] ?? '').toBe('');
  });

  it('when copied to .env as it is, then it sets nothing npm run dev provisions, so zero-config dev still provisions', () => {
    const example = readFileSync(path.resolve(__dirname, '../../.env.example'), 'utf8');
    const active = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    for (const name of ['MONGODB_URI', 'DATABASE_EMBEDDED', 'JWT_SECRET', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'DEV_RELOAD']) {
      expect(active).not.toContain(name);
    }
  });
});

describe('OpenID Connect providers', () => {
  const acme = {
    OIDC_PROVIDERS: 'Acme',
    OIDC_ACME_ISSUER: 'https://id.acme.example',
    OIDC_ACME_CLIENT_ID: 'keyhold',
    OIDC_ACME_CLIENT_SECRET: 'secret',
  };

  it('when a provider is listed with its variables, then it is configured with the defaults', () => {
    expect(loadConfig({ ...VALID, ...acme }).oidc.providers).toEqual([
      {
        id: 'acme',
        name: 'acme',
        issuer: 'https://id.acme.example',
        clientId: 'keyhold',
        clientSecret: 'secret',
        scopes: 'openid email profile',
        trustEmail: false,
        allowInsecureRequests: false,
      },
    ]);
  });

  it('when a listed provider lacks its variables or its id is malformed, then every problem is named', () => {
    const problems = problemsOf({ ...VALID, OIDC_PROVIDERS: 'acme,bad-id', OIDC_ACME_SCOPES: 'email' });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(
      expect.arrayContaining(['OIDC_ACME_ISSUER', 'OIDC_ACME_CLIENT_ID', 'OIDC_ACME_CLIENT_SECRET', 'OIDC_ACME_SCOPES', 'OIDC_PROVIDERS']),
    );
  });

  it('when an issuer is plain http, then only a loopback issuer outside production is accepted', () => {
    expect(loadConfig({ ...VALID, ...acme, OIDC_ACME_ISSUER: 'http://127.0.0.1:9000' }).oidc.providers[0]!.allowInsecureRequests).toBe(
      true,
    );
    expect(problemsOf({ ...VALID, ...acme, OIDC_ACME_ISSUER: 'http://id.acme.example' })[0]).toMatch(/^OIDC_ACME_ISSUER/);
    const production = { ...VALID, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(48) };
    expect(problemsOf({ ...production, ...acme, OIDC_ACME_ISSUER: 'http://localhost:9000' })[0]).toMatch(/^OIDC_ACME_ISSUER/);
  });
});
