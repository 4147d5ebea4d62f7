import os from 'node:os';
import mongoose from 'mongoose';
import { configureLogger } from '../../src/lib/logger';
import type { ProvisionedDatabase } from '../db/provision';
import { parseBenchOptions, type BenchOptions } from './options';
import { computeRatios, formatReport, writeReport, type BenchReport } from './report';
import { describeHashLimit, measureHashLimit, type HashLimit } from './hash-limit';
import {
  loadAudit,
  loadForgotPassword,
  loadHealthz,
  loadJwks,
  loadLogin,
  loadMe,
  loadMeOn,
  loadRefresh,
  loadStorm,
  loadUsers,
  runLoginStorm,
  type Row,
  type RowKey,
  type ScenarioContext,
  type StormFigures,
  bearerHeaders,
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
  seedAuditEvents,
  seedUsers,
  uniqueBenchEmail,
} from './seed';
import { BENCH_DB_NAME, buildService, passedThroughSummary, provisionBenchDatabase, ROOT, startServer, type BenchServer } from './server';
import { withDatabaseName } from '../lib/processes';
import type { LoadFigures } from './load';
import { measureOutsideView, type OutsideView } from './outside-view';
import { habitsBodySizes, loadCheckIns, loadHabits, seedHabits } from './habits';

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

const HABITS = 50;
const CHECK_INS_PER_HABIT = 1000;

interface Seeded {
  habitIds: string[];
  server: BenchServer;
  databaseUri: string;
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
  await seedAuditEvents(options.auditEvents, userIds);
  const usersMs = Date.now() - usersStarted;
  log(`seeding: ${options.auditEvents} audit events`);
  log(
    `seeding: ${options.users} users in ${usersMs} ms; ${options.connections} sessions for /me and 2 × ${options.connections} refresh chains`,
  );
  const meSessions = await openSessions(config, member.id, options.connections);
  const refreshSessions = await openSessions(config, member.id, options.connections);
  const warmupRefreshSessions = await openSessions(config, member.id, options.connections);
  const filled = await fillSessions(config, userIds, options.baselineSessions);
  log(`seeding: ${filled.inserted} filler sessions (${options.baselineSessions} stored) in ${filled.ms} ms`);
  const signer = await createTokenSigner(config);
  const habits = await seedHabits(member.id, HABITS, CHECK_INS_PER_HABIT);
  log(`seeding: ${HABITS} habits with ${habits.checkIns.toLocaleString('en-US')} check-ins in ${habits.ms} ms`);
  return {
    habitIds: habits.habitIds,
    server,
    databaseUri,
    context: { baseUrl: server.baseUrl, options, config, signer, admin, member, meSessions, refreshSessions, warmupRefreshSessions },
    userIds,
    usersMs,
  };
}

async function measure(
  rows: Row[],
  key: RowKey,
  label: string,
  connections: number,
  load: () => Promise<LoadFigures>,
  hashLimit?: HashLimit,
): Promise<void> {
  log(`measuring ${label}`);
  const figures = await load();
  rows.push({ key, label, connections, figures, ...(hashLimit && { hashLimit }) });
  log(
    `  ${figures.requestsPerSecond.toFixed(1)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, non-2xx ${JSON.stringify(figures.refusals)}`,
  );
}

interface ScenarioResults {
  rows: Row[];
  sideBySide: OutsideView['sideBySide'];
  sessionSeedMs: number;
  storm: StormFigures;
  habitBodies: Record<string, number>;
}

/** GET /habits (50 habits, 1,000 check-ins each) plain, gzip and brotli, and check-ins that each write. */
async function measureHabits(rows: Row[], seeded: Seeded): Promise<Record<string, number>> {
  const { context } = seeded;
  const conns = context.options.connections;
  const [headers] = await bearerHeaders(context);
  const label = `GET /habits (${HABITS} × ${CHECK_INS_PER_HABIT.toLocaleString('en-US')} check-ins)`;
  await measure(rows, 'habits', `${label}, identity`, conns, () => loadHabits(context, headers!));
  await measure(rows, 'habitsGzip', '  same, Accept-Encoding: gzip', conns, () => loadHabits(context, headers!, 'gzip'));
  await measure(rows, 'habitsBrotli', '  same, Accept-Encoding: br', conns, () => loadHabits(context, headers!, 'br'));
  // One client at a time: what a user's tap waits for. Under 50 connections latency is queueing (50 ÷ throughput).
  await measure(rows, 'checkIn', 'PUT/DELETE /habits/:id/check-ins/:date', 1, () => loadCheckIns(context, headers!, seeded.habitIds, 1));
  await measure(rows, 'checkInLoaded', '  same, 50 connections', conns, () => loadCheckIns(context, headers!, seeded.habitIds));
  return habitsBodySizes(context, headers!);
}

/** /me on a second instance beside the first (same database and secret), and on one with the in-memory store. */
async function measureInstances(rows: Row[], seeded: Seeded): Promise<void> {
  const { context, server, databaseUri } = seeded;
  const { options } = context;
  log('starting a second instance on the same database');
  const second = await startServer(options, databaseUri, { jwtSecret: server.jwtSecret });
  try {
    await loadMeOn(context, [server.baseUrl, second.baseUrl], options.warmupS);
    await measure(rows, 'meTwoInstances', 'GET /me on 2 instances (shared store)', options.connections, () =>
      loadMeOn(context, [server.baseUrl, second.baseUrl]),
    );
  } finally {
    await second.stop();
  }
  log('starting an instance with the in-memory rate-limit store');
  const memory = await startServer(options, databaseUri, { jwtSecret: server.jwtSecret, overrides: { RATE_LIMIT_STORE: 'memory' } });
  try {
    await loadMeOn(context, [memory.baseUrl], options.warmupS);
    await measure(rows, 'meMemoryStore', 'GET /me, in-memory rate-limit store', options.connections, () =>
      loadMeOn(context, [memory.baseUrl]),
    );
  } finally {
    await memory.stop();
  }
}

async function runScenarios(seeded: Seeded): Promise<ScenarioResults> {
  const { context, userIds } = seeded;
  const { options } = context;
  const rows: Row[] = [];
  const conns = options.connections;
  // The database's JIT and caches warm up too: every measured path runs once unmeasured first.
  log(`warm-up: ${options.warmupS} s each of /healthz, /me and refresh (not reported)`);
  await loadHealthz(context, options.warmupS);
  await loadMe(context, options.warmupS);
  await loadRefresh(context, context.warmupRefreshSessions, options.warmupS);
  const outside = await measureOutsideView(context, options.outsideRounds, log);
  rows.push(...outside.rows);
  await measure(rows, 'healthz', 'GET /healthz', conns, () => loadHealthz(context));
  await measure(rows, 'me', `GET /me (${options.baselineSessions.toLocaleString('en-US')} sessions)`, conns, () => loadMe(context));
  await measure(rows, 'jwks', 'GET /.well-known/jwks.json', conns, () => loadJwks(context));
  await measure(rows, 'users', `GET /users?limit=20 (${options.users.toLocaleString('en-US')} users)`, conns, () => loadUsers(context));
  await measure(rows, 'audit', `GET /audit-events?limit=20 (${options.auditEvents.toLocaleString('en-US')})`, conns, () =>
    loadAudit(context),
  );
  const habitBodies = await measureHabits(rows, seeded);
  await measure(rows, 'refresh', 'POST /auth/refresh (own chains)', conns, () => loadRefresh(context));
  const hashLimit = measureHashLimit();
  log(`hash limit just before the logins: ${describeHashLimit(hashLimit)}`);
  await measure(rows, 'login', 'POST /auth/login', options.loginConnections, () => loadLogin(context), hashLimit);
  await waitForLoginsToDrain(context);
  log('measuring login storm: GET /me alongside POST /auth/login');
  const stormLoad = await loadStorm(context);
  await waitForLoginsToDrain(context);
  rows.push({ key: 'stormMe', label: 'GET /me during login storm', connections: conns, figures: stormLoad.me });
  rows.push({ key: 'stormLogin', label: '  POST /auth/login (storm)', connections: options.loginConnections, figures: stormLoad.login });
  log(`measuring ${options.stormLogins} logins fired at once`);
  const storm = await runLoginStorm(context);
  log(`  ${storm.accepted} accepted, ${storm.busy} BUSY, slowest ${storm.slowestMs.toFixed(0)} ms`);
  await waitForLoginsToDrain(context);
  await measureInstances(rows, seeded);
  log(`seeding: filling up to ${options.sessions.toLocaleString('en-US')} sessions (insertMany, batches of 10,000, unordered)`);
  const filled = await fillSessions(context.config, userIds, options.sessions);
  log(`seeding: ${filled.inserted.toLocaleString('en-US')} sessions in ${filled.ms} ms`);
  log(`warm-up: ${options.warmupS} s of /me after the bulk insert (not reported)`);
  await loadMe(context, options.warmupS);
  await measure(rows, 'meBig', `GET /me (${options.sessions.toLocaleString('en-US')} sessions)`, conns, () => loadMe(context));
  // Last: the worker then sends the queued requests for a while, which would weigh on any row after it.
  log('measuring POST /auth/password/forgot: registered and unknown addresses at once');
  const forgot = await loadForgotPassword(context);
  rows.push({ key: 'forgotKnown', label: 'POST /auth/password/forgot (known)', connections: conns / 2, figures: forgot.known });
  rows.push({ key: 'forgotUnknown', label: '  same, unknown addresses, meanwhile', connections: conns / 2, figures: forgot.unknown });
  log(`  p50 known ${forgot.known.p50Ms.toFixed(2)} ms, unknown ${forgot.unknown.p50Ms.toFixed(2)} ms`);
  return { rows, sideBySide: outside.sideBySide, sessionSeedMs: filled.ms, storm, habitBodies };
}

function extraFigures(rows: Row[], storm: StormFigures, habitBodies: Record<string, number>): Record<string, string> {
  const ms = (value: number): string => `${value.toFixed(0)} ms`;
  return {
    'GET /habits body on the wire': Object.entries(habitBodies)
      .map(([encoding, bytes]) => `${encoding} ${bytes.toLocaleString('en-US')} B`)
      .join(', '),
    'hash limit (measured on the idle server just before each login row)': rows
      .filter((row) => row.hashLimit)
      .map((row) => `${row.key} ${describeHashLimit(row.hashLimit!)}`)
      .join('; '),
    [`login storm (${storm.logins} at once)`]:
      `${storm.accepted} accepted, ${storm.busy} answered 503 BUSY (${((100 * storm.busy) / storm.logins).toFixed(0)}%), ${storm.other} other; ` +
      `slowest ${ms(storm.slowestMs)} (accepted ${ms(storm.slowestAcceptedMs)}, BUSY ${ms(storm.slowestBusyMs)})`,
  };
}

function reportHeader(options: BenchOptions, database: ProvisionedDatabase): BenchReport['header'] {
  const slowNote = database.kind === 'mongo-java-server' ? ' (Java in-memory stand-in: slower than mongod, scans on non-_id queries)' : '';
  return {
    database: `${database.kind}${slowNote}`,
    mode: options.quick ? 'quick' : 'full',
    rateLimiting: options.rateLimit ? 'on (limits set out of reach, so its cost is included)' : 'off',
    hashWorkers: options.hashWorkers ?? `default (${os.availableParallelism()}: one per core, at nice 10)`,
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
  if (options.build) {
    log('building (npm run build)');
    buildService();
  }
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
  const { rows, sideBySide, sessionSeedMs, storm, habitBodies } = await runScenarios(seeded);
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    header: reportHeader(options, database),
    seeding: {
      users: options.users,
      auditEvents: options.auditEvents,
      usersSeedMs: seeded.usersMs,
      bigSessions: options.sessions,
      bigSessionsSeedMs: sessionSeedMs,
    },
    rows,
    figures: extraFigures(rows, storm, habitBodies),
    ratios: computeRatios(rows, sideBySide),
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
