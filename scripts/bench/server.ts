import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { provisionDatabase, type ProvisionedDatabase } from '../db/provision';
import { findFreePort, stopProcess, waitForOk, withDatabaseName } from '../lib/processes';
import { BENCH_HASH_COST } from './hash-limit';
import type { BenchOptions } from './options';

export const ROOT = path.resolve(__dirname, '../..');
export const BENCH_DB_NAME = 'keyhold_bench';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
// Far above anything a run sends, so the limiter's cost is measured without it ever answering 429.
const UNREACHABLE_LIMIT = '100000000';

export interface BenchServer {
  baseUrl: string;
  pid: number;
  jwtSecret: string;
  stop(): Promise<void>;
}

/** Compiles the service exactly as `npm start` runs it. */
export function buildService(): void {
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`);
}

/** Same order as the tests: a URI given by the user, then mongodb-memory-server, then mongo-java-server. */
export function provisionBenchDatabase(log: (line: string) => void): Promise<ProvisionedDatabase> {
  return provisionDatabase({
    externalUri: { name: 'TEST_MONGODB_URI', uri: process.env.BENCH_MONGODB_URI ?? process.env.TEST_MONGODB_URI },
    memoryServerTimeoutMs: Number(process.env.TEST_MONGOMS_TIMEOUT_MS ?? 120_000),
    log,
  });
}

// BENCH_SERVER_<NAME>=value reaches the server as <NAME>=value, for before/after runs of one setting.
const PASS_THROUGH_PREFIX = 'BENCH_SERVER_';

function passedThrough(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env)
      .filter(([name]) => name.startsWith(PASS_THROUGH_PREFIX))
      .map(([name, value]) => [name.slice(PASS_THROUGH_PREFIX.length), value]),
  );
}

/** Names and values of the pass-through settings, for the report header. */
export function passedThroughSummary(): string {
  const entries = Object.entries(passedThrough());
  return entries.length > 0 ? entries.map(([name, value]) => `${name}=${value}`).join(' ') : 'none';
}

/** The issuer every instance of a run names (each listens on its own port, so PUBLIC_URL would differ). */
export const BENCH_TOKEN_ISSUER = 'http://keyhold.bench';

/**
 * The run's data-encryption key, derived from its random secret: every instance of a run (and the
 * seeding process that signs tokens with their key ring) opens the same ring.
 */
export function benchEncryptionKey(jwtSecret: string): string {
  return createHash('sha256').update(`keyhold bench data key:${jwtSecret}`).digest('hex');
}

function serverEnvironment(
  options: BenchOptions,
  mongodbUri: string,
  port: number,
  jwtSecret: string,
  overrides: NodeJS.ProcessEnv,
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    // Production so cookies, logging and checks are what a deployment runs; the secret is random per run.
    NODE_ENV: 'production',
    HOST,
    PORT: String(port),
    MONGODB_URI: mongodbUri,
    JWT_SECRET: jwtSecret,
    DATA_ENCRYPTION_KEY: benchEncryptionKey(jwtSecret),
    // Every instance listens on its own port: one issuer for all, so the seeding process's tokens verify everywhere.
    TOKEN_ISSUER: BENCH_TOKEN_ISSUER,
    // The benchmark measures request handling; its admin is promoted in the database, not enrolled in MFA.
    MFA_REQUIRED_ROLES: 'none',
    LOG_LEVEL: 'warn',
    BCRYPT_COST: String(BENCH_HASH_COST),
    LOGIN_MAX_FAILURES: '1000',
    RATE_LIMIT_ENABLED: String(options.rateLimit),
    RATE_LIMIT_MAX: UNREACHABLE_LIMIT,
    AUTH_RATE_LIMIT_MAX: UNREACHABLE_LIMIT,
    ...(options.hashWorkers ? { PASSWORD_HASH_WORKERS: String(options.hashWorkers) } : {}),
    ...passedThrough(),
    ...overrides,
  };
}

/**
 * Starts `node dist/src/server.js` on a free loopback port and waits for /readyz. Further instances
 * of one run share its JWT secret (as a deployment's instances do); `overrides` set server variables,
 * `nodeArgs` Node's own flags (e.g. --cpu-prof, which NODE_OPTIONS refuses).
 */
export async function startServer(
  options: BenchOptions,
  databaseUri: string,
  shared: { jwtSecret?: string; overrides?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
): Promise<BenchServer> {
  const port = await findFreePort();
  const jwtSecret = shared.jwtSecret ?? randomBytes(48).toString('base64');
  const env = serverEnvironment(options, withDatabaseName(databaseUri, BENCH_DB_NAME), port, jwtSecret, shared.overrides ?? {});
  const child = spawn(process.execPath, [...(shared.nodeArgs ?? []), 'dist/src/server.js'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const baseUrl = `http://${HOST}:${port}`;
  const server = { baseUrl, pid: child.pid ?? 0, jwtSecret, stop: () => stopProcess(child, STOP_GRACE_MS) };
  try {
    await waitForOk(`${baseUrl}/readyz`, child, READY_TIMEOUT_MS);
  } catch (error) {
    await server.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error });
  }
  return server;
}
