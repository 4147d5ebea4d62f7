import os from 'node:os';
import mongoose from 'mongoose';
import { configureLogger } from '../../src/lib/logger';
import type { ProvisionedDatabase } from '../db/provision';
import { parseBenchOptions, type BenchOptions } from './options';
import { computeRatios, formatReport, writeReport, type BenchReport } from './report';
import {
  loadHealthz,
  loadLogin,
  loadMe,
  loadRefresh,
  loadStorm,
  loadUsers,
  type Row,
  type RowKey,
  type ScenarioContext,
  waitForLoginsToDrain,
} from './scenarios';
import {
  benchConfig,
  connectAndReset,
  createTokenSigner,
  fillSessions,
  openSessions,
  promoteToAdmin,
  registerAndLogin,
  seedUsers,
  uniqueBenchEmail,
} from './seed';
import { BENCH_DB_NAME, buildService, passedThroughSummary, provisionBenchDatabase, ROOT, startServer, type BenchServer } from './server';
import { withDatabaseName } from '../lib/processes';
import type { LoadFigures } from './load';

const started = Date.now();
const LOAD_AT_START = os.loadavg();
const log = (line: string): void =>
  void process.stdout.write(`[bench ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);

/** Everything the run started, stopped in reverse order however the run ends. */
const cleanups: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch((error: unknown) => log(`clean-up step failed: ${String(error)}`));
  }
}

interface Seeded {
  context: ScenarioContext;
  userIds: mongoose.Types.ObjectId[];
  usersMs: number;
}

async function seed(options: BenchOptions, server: BenchServer, databaseUri: string): Promise<Seeded> {
  const config = benchConfig(withDatabaseName(databaseUri, BENCH_DB_NAME), server.jwtSecret);
  log('seeding: admin and member through the API (bcrypt cost 12)');
  const admin = await registerAndLogin(server.baseUrl, uniqueBenchEmail('admin'));
  await promoteToAdmin(admin.id);
  const member = await registerAndLogin(server.baseUrl, uniqueBenchEmail('member'));
  const usersStarted = Date.now();
  const userIds = await seedUsers(options.users, member.email);
  const usersMs = Date.now() - usersStarted;
  log(
    `seeding: ${options.users} users in ${usersMs} ms; ${options.connections} sessions for /me and 2 × ${options.connections} refresh chains`,
  );
  const meSessions = await openSessions(config, member.id, options.connections);
  const refreshSessions = await openSessions(config, member.id, options.connections);
  const warmupRefreshSessions = await openSessions(config, member.id, options.connections);
  const filled = await fillSessions(config, userIds, options.baselineSessions);
  log(`seeding: ${filled.inserted} filler sessions (${options.baselineSessions} stored) in ${filled.ms} ms`);
  const signer = createTokenSigner(config);
  return {
    context: { baseUrl: server.baseUrl, options, config, signer, admin, member, meSessions, refreshSessions, warmupRefreshSessions },
    userIds,
    usersMs,
  };
}

async function measure(rows: Row[], key: RowKey, label: string, connections: number, load: () => Promise<LoadFigures>): Promise<void> {
  log(`measuring ${label}`);
  const figures = await load();
  rows.push({ key, label, connections, figures });
  log(`  ${figures.requestsPerSecond.toFixed(1)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, non-2xx ${figures.non2xx}`);
}

async function runScenarios({ context, userIds }: Seeded): Promise<{ rows: Row[]; sessionSeedMs: number }> {
  const { options } = context;
  const rows: Row[] = [];
  const conns = options.connections;
  // The database's JIT and caches warm up too: every measured path runs once unmeasured first.
  log(`warm-up: ${options.warmupS} s each of /healthz, /me and refresh (not reported)`);
  await loadHealthz(context, options.warmupS);
  await loadMe(context, options.warmupS);
  await loadRefresh(context, context.warmupRefreshSessions, options.warmupS);
  await measure(rows, 'healthz', 'GET /healthz', conns, () => loadHealthz(context));
  await measure(rows, 'me', `GET /me (${options.baselineSessions.toLocaleString('en-US')} sessions)`, conns, () => loadMe(context));
  await measure(rows, 'users', 'GET /users?limit=20 (admin)', conns, () => loadUsers(context));
  await measure(rows, 'refresh', 'POST /auth/refresh (own chains)', conns, () => loadRefresh(context));
  await measure(rows, 'login', 'POST /auth/login', options.loginConnections, () => loadLogin(context));
  await waitForLoginsToDrain(context);
  log('measuring login storm: GET /me alongside POST /auth/login');
  const storm = await loadStorm(context);
  await waitForLoginsToDrain(context);
  rows.push({ key: 'stormMe', label: 'GET /me during login storm', connections: conns, figures: storm.me });
  rows.push({ key: 'stormLogin', label: '  POST /auth/login (storm)', connections: options.loginConnections, figures: storm.login });
  log(`seeding: filling up to ${options.sessions.toLocaleString('en-US')} sessions (insertMany, batches of 10,000, unordered)`);
  const filled = await fillSessions(context.config, userIds, options.sessions);
  log(`seeding: ${filled.inserted.toLocaleString('en-US')} sessions in ${filled.ms} ms`);
  log(`warm-up: ${options.warmupS} s of /me after the bulk insert (not reported)`);
  await loadMe(context, options.warmupS);
  await measure(rows, 'meBig', `GET /me (${options.sessions.toLocaleString('en-US')} sessions)`, conns, () => loadMe(context));
  return { rows, sessionSeedMs: filled.ms };
}

function reportHeader(options: BenchOptions, database: ProvisionedDatabase): BenchReport['header'] {
  const slowNote = database.kind === 'mongo-java-server' ? ' (Java in-memory stand-in: slower than mongod, scans on non-_id queries)' : '';
  return {
    database: `${database.kind}${slowNote}`,
    mode: options.quick ? 'quick' : 'full',
    rateLimiting: options.rateLimit ? 'on (limits set out of reach, so its cost is included)' : 'off',
    hashWorkers: options.hashWorkers ?? `default (${Math.max(1, os.availableParallelism() - 1)}: cores - 1)`,
    serverOverrides: passedThroughSummary(),
    durationPerScenarioS: options.durationS,
    machine: `${os.availableParallelism()} cores, node ${process.version}, client and server on the same machine (127.0.0.1)`,
    // Other work on the machine skews every row; the load average says how quiet it was.
    loadAverageAtStart: LOAD_AT_START.map((load) => load.toFixed(2)).join(' '),
  };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  configureLogger({ level: 'warn', format: 'pretty' });
  log('building (npm run build)');
  buildService();
  log('provisioning the benchmark database');
  const database = await provisionBenchDatabase(log);
  cleanups.push(() => database.stop());
  log(`database: ${database.kind}${database.skipped.map((reason) => `\n  skipped: ${reason.split('\n')[0]}`).join('')}`);
  await connectAndReset(database.uri);
  cleanups.push(() => mongoose.disconnect());
  const server = await startServer(options, database.uri);
  cleanups.push(() => server.stop());
  log(`server ready at ${server.baseUrl}`);
  const seeded = await seed(options, server, database.uri);
  const { rows, sessionSeedMs } = await runScenarios(seeded);
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    header: reportHeader(options, database),
    seeding: { users: options.users, usersSeedMs: seeded.usersMs, bigSessions: options.sessions, bigSessionsSeedMs: sessionSeedMs },
    rows,
    ratios: computeRatios(rows),
    wallTimeMs: Date.now() - started,
  };
  process.stdout.write(`\n${formatReport(report)}\n`);
  process.stdout.write(`figures written to ${writeReport(ROOT, report)}\n`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the server and the database`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .then(cleanUp)
  .catch(async (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanUp();
    process.exitCode = 1;
  });
