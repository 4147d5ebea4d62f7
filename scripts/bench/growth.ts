/*
 * Collection sizes after a refresh-heavy run, before and after one sweep (npm run bench:growth).
 * In-process: the app listens on a free port, every request goes over HTTP, and a movable clock lets
 * the sweep see the grace and the login-failure window as over without waiting for them.
 */
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/env';
import { createContainer } from '../../src/container';
import { connectDatabase } from '../../src/db/connection';
import { createSweepJob, type SweepReport } from '../../src/sweep.job';
import { configureLogger } from '../../src/lib/logger';
import { provisionBenchDatabase } from './server';

const COLLECTIONS = ['users', 'sessions', 'refreshtokens', 'loginattempts', 'auditevents'] as const;
const CHAINS = 50;
const FAILED_LOGINS = 200;
const HOUR_MS = 3_600_000;
const log = (line: string): void => void process.stdout.write(`[growth] ${line}\n`);

function movableClock() {
  let offsetMs = 0;
  return { now: () => new Date(Date.now() + offsetMs), advance: (ms: number) => void (offsetMs += ms) };
}

async function sizes(): Promise<Record<string, number>> {
  const db = mongoose.connection.db!;
  const counts = await Promise.all(COLLECTIONS.map((name) => db.collection(name).countDocuments()));
  return Object.fromEntries(COLLECTIONS.map((name, index) => [name, counts[index]!]));
}

async function post(url: string, init: { cookie?: string; body?: object }): Promise<{ status: number; cookie?: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(init.cookie ? { Cookie: init.cookie } : {}) },
    body: JSON.stringify(init.body ?? {}),
  });
  const text = await response.text();
  if (response.status >= 400 && !url.endsWith('/login')) log(`${response.status} ${text}`);
  const cookie = response.headers
    .getSetCookie()
    .find((line) => line.startsWith('refreshToken='))
    ?.split(';')[0];
  return { status: response.status, cookie };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { refreshes: { type: 'string', default: '10000' } } });
  const refreshes = Number(values.refreshes);
  configureLogger({ level: process.env.LOG_LEVEL === 'debug' ? 'debug' : 'error', format: 'pretty' });
  const database = await provisionBenchDatabase(log);
  try {
    await connectDatabase({
      uri: database.uri,
      dbName: 'keyhold_growth',
      serverSelectionTimeoutMs: 5000,
      maxPoolSize: 20,
      connectRetries: 0,
    });
    await mongoose.connection.dropDatabase();
    await Promise.all(Object.values(mongoose.models).map((model) => model.init()));
    const clock = movableClock();
    const config = loadConfig({
      NODE_ENV: 'test',
      MONGODB_URI: database.uri,
      JWT_SECRET: 'growth-measurement-secret-0123456789abcdef',
      BCRYPT_COST: '4',
      RATE_LIMIT_ENABLED: 'false',
      LOGIN_MAX_FAILURES: '1000',
    });
    const container = createContainer({ config, clock: clock.now });
    const server = createApp(container).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/auth`;

    const credentials = { email: 'growth@example.test', password: 'growth measurement password' };
    await post(`${api}/register`, { body: credentials });
    const cookies: string[] = [];
    for (let i = 0; i < CHAINS; i++) {
      const login = await post(`${api}/login`, { body: credentials });
      if (!login.cookie) throw new Error(`login answered ${login.status}`);
      cookies.push(login.cookie);
    }
    const started = Date.now();
    await Promise.all(
      cookies.map(async (first) => {
        let cookie = first;
        for (let i = 0; i < Math.ceil(refreshes / CHAINS); i++) {
          const answer = await post(`${api}/refresh`, { cookie });
          if (answer.status !== 200 || !answer.cookie) throw new Error(`refresh answered ${answer.status}`);
          cookie = answer.cookie;
        }
      }),
    );
    log(`${refreshes} refreshes on ${CHAINS} chains in ${Date.now() - started} ms`);
    for (let i = 0; i < FAILED_LOGINS; i++)
      await post(`${api}/login`, { body: { email: `nobody-${i}@example.test`, password: 'wrong password' } });
    await container.services.audit.flush();
    const before = await sizes();

    clock.advance(HOUR_MS);
    const sweepStarted = Date.now();
    const report: SweepReport = await createSweepJob(container).runOnce();
    const sweepMs = Date.now() - sweepStarted;
    const after = await sizes();

    process.stdout.write(`\n| collection | after the run | after one sweep (clock +1h) |\n|---|---|---|\n`);
    for (const name of COLLECTIONS) process.stdout.write(`| ${name} | ${before[name]} | ${after[name]} |\n`);
    process.stdout.write(`\nsweep (${sweepMs} ms, ${database.kind}): ${JSON.stringify(report)}\n`);
    await new Promise((resolve) => server.close(resolve));
    await container.close();
  } finally {
    await mongoose.disconnect();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
