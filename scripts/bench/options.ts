import { parseArgs } from 'node:util';

export interface BenchOptions {
  quick: boolean;
  /** Seconds each measured scenario runs. */
  durationS: number;
  /** Seconds of unmeasured load before the first measurement, so the JIT and pools are warm. */
  warmupS: number;
  connections: number;
  /** Connections that log in at once; bcrypt throughput is capped by the hashing pool, more only queue. */
  loginConnections: number;
  /** Stored sessions for the "big" /me row. */
  sessions: number;
  /** Stored sessions for the baseline /me row. */
  baselineSessions: number;
  /** Users in the collection behind GET /users. */
  users: number;
  /** Audit events in the collection behind GET /audit-events. */
  auditEvents: number;
  /** Logins fired at once for the storm figure (slowest login, share of 503 BUSY). */
  stormLogins: number;
  rateLimit: boolean;
  /** Rounds of the outside view's read rows; each row reports its median round. */
  outsideRounds: number;
  /** Measure dist/ as it is (CI builds it just before). */
  build: boolean;
  /** PASSWORD_HASH_WORKERS for the server; undefined keeps the service default (one per core). */
  hashWorkers: number | undefined;
}

const USAGE = `usage: npm run bench -- [--quick] [--duration <s>] [--connections <n>] [--sessions <n>]
                       [--users <n>] [--login-connections <n>] [--hash-workers <n>] [--no-rate-limit]
                       [--no-build]`;

function positiveInteger(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} expects a positive integer, got "${value}"\n${USAGE}`);
  return parsed;
}

/** Reads the command line; quick mode only changes defaults, explicit flags still win. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'login-connections': { type: 'string' },
      sessions: { type: 'string' },
      users: { type: 'string' },
      'hash-workers': { type: 'string' },
      'no-rate-limit': { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  return {
    quick,
    durationS: positiveInteger('duration', values.duration, quick ? 4 : 15),
    warmupS: quick ? 1 : 3,
    connections: positiveInteger('connections', values.connections, 50),
    loginConnections: positiveInteger('login-connections', values['login-connections'], 10),
    sessions: positiveInteger('sessions', values.sessions, quick ? 100_000 : 1_000_000),
    baselineSessions: 1_000,
    users: positiveInteger('users', values.users, 10_000),
    auditEvents: 10_000,
    stormLogins: 100,
    rateLimit: !(values['no-rate-limit'] ?? false),
    outsideRounds: quick ? 1 : 3,
    build: !(values['no-build'] ?? false),
    hashWorkers: values['hash-workers'] === undefined ? undefined : positiveInteger('hash-workers', values['hash-workers'], 1),
  };
}
