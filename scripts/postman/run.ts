/**
 * `npm run test:postman`: builds (tsconfig.build.json, into .cache/postman/dist), provisions a test
 * database (the same order as `npm test`), seeds an admin, starts the built server on 127.0.0.1 with the
 * development rate limits and runs the Postman collection with newman twice in a row (it must be
 * rerunnable). Exits 1
 * when any request or assertion fails; stops the server and the database in every case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import mongoose from 'mongoose';
import { provisionDatabase, type ProvisionedDatabase } from '../db/provision';
import { DEV_AUTH_RATE_LIMIT_MAX } from '../lib/dev-state';
import { findDrift } from './openapi-drift';
import { findFreePort, runToCompletion, stopProcess, waitForOk, withDatabaseName } from '../lib/processes';

const ROOT = path.resolve(__dirname, '../..');
const COLLECTION = path.join(ROOT, 'postman/keyhold.postman_collection.json');
const ENVIRONMENT = path.join(ROOT, 'postman/keyhold.postman_environment.json');
const DATABASE_NAME = 'keyhold_postman';
// Our own build output: `npm run build` empties dist/, which would pull the server from under a run
// whenever someone builds in the same checkout meanwhile.
const BUILD_DIR = path.join(ROOT, '.cache/postman/dist');
const MEMORY_SERVER_TIMEOUT_MS = Number(process.env.TEST_MONGOMS_TIMEOUT_MS ?? 120_000);
const READY_TIMEOUT_MS = 60_000;
const SERVER_STOP_GRACE_MS = 15_000;
const REQUEST_TIMEOUT_MS = 15_000;
const SERVER_LOG_TAIL = 60;

/** The part of newman's library API this script uses (newman ships no type declarations). */
interface NewmanSummary {
  run: {
    stats: Record<'requests' | 'assertions' | 'testScripts' | 'prerequestScripts', { total: number; failed: number }>;
    failures: { error: { name: string; message: string; test?: string }; source?: { name?: string } }[];
    timings: { started: number; completed: number };
  };
  environment: { values: { get(key: string): unknown } };
}
interface Newman {
  run(
    options: {
      collection: string;
      environment: string;
      envVar: { key: string; value: string }[];
      reporters: string[];
      timeoutRequest: number;
    },
    callback: (error: Error | null, summary: NewmanSummary) => void,
  ): unknown;
}
const newman = createRequire(__filename)('newman') as Newman;

const log = (line: string): void => void process.stdout.write(`[postman] ${line}\n`);

const resources: { database?: ProvisionedDatabase; externalDatabaseUri?: string; server?: ChildProcess; serverLog: string[] } = {
  serverLog: [],
};

function runNewman(baseUrl: string, admin: { email: string; password: string; totpSecret?: string }): Promise<NewmanSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION,
        environment: ENVIRONMENT,
        envVar: [
          { key: 'baseUrl', value: baseUrl },
          { key: 'adminEmail', value: admin.email },
          { key: 'adminPassword', value: admin.password },
          // The first run enrols the admin in MFA; a rerun signs in with codes from that secret, as a developer would.
          ...(admin.totpSecret ? [{ key: 'adminTotpSecret', value: admin.totpSecret }] : []),
        ],
        reporters: ['cli'],
        timeoutRequest: REQUEST_TIMEOUT_MS,
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

/** An external database is shared, so the run starts from and leaves behind an empty keyhold_postman. */
async function dropDatabase(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

/** Runs the built seed script, as an operator would. */
async function seedAdmin(admin: { email: string; password: string }, env: NodeJS.ProcessEnv): Promise<string> {
  const args = [path.join(BUILD_DIR, 'scripts/seed-admin.js')];
  return runToCompletion(process.execPath, args, { cwd: ROOT, env: { ...env, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password } });
}

/** The collection must agree with the OpenAPI document the server serves (skipped while there is none). */
async function checkAgainstOpenApi(baseUrl: string): Promise<string[]> {
  const response = await fetch(`${baseUrl}/openapi.json`);
  if (!response.ok) return [`GET /openapi.json answered ${response.status}`];
  const drift = findDrift(COLLECTION, (await response.json()) as Parameters<typeof findDrift>[1]);
  if (drift.length === 0) log('every request of the collection is a documented operation with the expected statuses');
  else log(`the collection and /openapi.json disagree:\n  ${drift.join('\n  ')}`);
  return drift;
}

function startServer(env: NodeJS.ProcessEnv): ChildProcess {
  const server = spawn(process.execPath, [path.join(BUILD_DIR, 'src/server.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer): void => {
    resources.serverLog.push(...chunk.toString().split('\n').filter(Boolean));
    resources.serverLog.splice(0, Math.max(0, resources.serverLog.length - SERVER_LOG_TAIL));
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  return server;
}

async function main(): Promise<boolean> {
  log(`building (tsc -p tsconfig.build.json into ${path.relative(ROOT, BUILD_DIR)})`);
  fs.rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  await runToCompletion(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', BUILD_DIR], { cwd: ROOT, env: process.env });

  const database = await provisionDatabase({
    externalUri: { name: 'TEST_MONGODB_URI', uri: process.env.TEST_MONGODB_URI },
    memoryServerTimeoutMs: MEMORY_SERVER_TIMEOUT_MS,
    log,
  });
  resources.database = database;
  for (const reason of database.skipped) log(`skipped: ${reason.split('\n')[0]}`);
  log(`using ${database.kind}`);
  const mongodbUri = withDatabaseName(database.uri, DATABASE_NAME);
  if (database.kind === 'TEST_MONGODB_URI') {
    resources.externalDatabaseUri = mongodbUri;
    await dropDatabase(mongodbUri);
  }

  const port = await findFreePort();
  const admin = { email: 'admin@example.com', password: `Postman-${randomBytes(18).toString('base64url')}` };
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    MONGODB_URI: mongodbUri,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    BCRYPT_COST: '4',
    AUTH_RATE_LIMIT_MAX: DEV_AUTH_RATE_LIMIT_MAX,
    // A replay within the grace window counts as racing tabs; the collection's replay must count as reuse.
    REFRESH_REUSE_GRACE: '0',
    LOG_LEVEL: 'warn',
  };

  log('seeding the admin');
  log(await seedAdmin(admin, env));

  const baseUrl = `http://127.0.0.1:${port}`;
  log(`starting the built server on ${baseUrl}`);
  resources.server = startServer(env);
  await waitForOk(`${baseUrl}/readyz`, resources.server, READY_TIMEOUT_MS);

  const drift = await checkAgainstOpenApi(baseUrl);
  let passed = drift.length === 0;
  // Twice in a row against one server with the development rate limits, as a developer reruns it.
  let totpSecret: string | undefined;
  for (const round of ['first run', 'rerun']) {
    const summary = await runNewman(baseUrl, { ...admin, totpSecret });
    const enrolledSecret = summary.environment.values.get('adminTotpSecret');
    if (typeof enrolledSecret === 'string' && enrolledSecret) totpSecret = enrolledSecret;
    const { requests, assertions, testScripts, prerequestScripts } = summary.run.stats;
    const failed = requests.failed + assertions.failed + testScripts.failed + prerequestScripts.failed;
    log(
      `${round}: ${requests.total} requests, ${assertions.total} assertions: ` +
        `${failed === 0 ? 'all passed' : `${summary.run.failures.length} failures`} (${summary.run.timings.completed - summary.run.timings.started} ms)`,
    );
    passed &&= failed === 0 && summary.run.failures.length === 0;
  }
  return passed;
}

let cleanedUp = false;
async function cleanUp(): Promise<void> {
  if (cleanedUp) return;
  cleanedUp = true;
  if (resources.server) await stopProcess(resources.server, SERVER_STOP_GRACE_MS);
  if (resources.externalDatabaseUri) {
    await dropDatabase(resources.externalDatabaseUri).catch((error: unknown) => log(`could not drop ${DATABASE_NAME}: ${String(error)}`));
  }
  await resources.database?.stop();
}

function printServerLog(): void {
  if (resources.serverLog.length === 0) return;
  log(`last ${resources.serverLog.length} lines of the server log:`);
  for (const line of resources.serverLog) process.stdout.write(`  ${line}\n`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping the server and the database`);
    void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

const started = Date.now();
main()
  .then(async (passed) => {
    if (interrupted) return;
    if (!passed) printServerLog();
    await cleanUp();
    log(`${passed ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.exit(passed ? 0 : 1);
  })
  .catch(async (error: unknown) => {
    if (interrupted) return;
    process.stderr.write(`[postman] ${error instanceof Error ? error.message : String(error)}\n`);
    printServerLog();
    await cleanUp();
    process.exit(1);
  });
