/**
 * `npm run dev`: runs Keyhold with zero configuration. Without MONGODB_URI it provisions a local
 * database whose data survives restarts (under .data/), and without JWT_SECRET or DATA_ENCRYPTION_KEY
 * it generates a development secret or key once and keeps it under .data/. None is fit for production.
 * DEV_DATA_DIR moves .data/; DEV_DATABASE=mongo-java-server skips the attempt at a real mongod
 * (about 6 s on a machine that cannot download it).
 *
 * Ctrl-C: the database and the server run in process groups of their own, so the terminal's signal
 * reaches only this launcher, which passes each one on to the server once (the first stops it
 * gracefully, a second at once) and closes the database only after the server has exited, so every
 * write the server acknowledged is committed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { watchAccountPages } from './build-account-pages';
import { provisionDatabase, type ProvisionedDatabase } from './db/provision';
import { DEV_AUTH_RATE_LIMIT_MAX, devPaths, removeDevState, writeDevState } from './lib/dev-state';
import { superviseServer } from './lib/dev-supervisor';

const ROOT = path.resolve(__dirname, '..');

function log(line: string): void {
  process.stdout.write(`[dev] ${line}\n`);
}

function developmentSecret(): string {
  const { dir, secret } = devPaths();
  if (!fs.existsSync(secret)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(secret, randomBytes(48).toString('base64url'), { mode: 0o600 });
    log(`generated a development JWT secret in ${path.relative(ROOT, secret)}`);
  }
  const banner = '!'.repeat(78);
  process.stdout.write(
    `\n${banner}\n!! JWT_SECRET is not set: using the DEVELOPMENT secret in ${path.relative(ROOT, secret)}.\n` +
      `!! Anyone with that file can mint tokens. NEVER use it in production: set JWT_SECRET.\n${banner}\n\n`,
  );
  return fs.readFileSync(secret, 'utf8').trim();
}

/** 32 random bytes as hex, kept so TOTP secrets sealed in the development database stay readable. */
function developmentEncryptionKey(): string {
  const { dir } = devPaths();
  const file = path.join(dir, 'dev-data-encryption-key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
    log(`generated a development DATA_ENCRYPTION_KEY in ${path.relative(ROOT, file)} (never use it in production)`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  dotenv.config({ path: path.join(ROOT, '.env'), quiet: true });
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' };
  const paths = devPaths();
  let database: ProvisionedDatabase | undefined;
  let databaseKind = 'MONGODB_URI (yours)';
  let dataLocation = 'in your database';
  if (!env.MONGODB_URI) {
    database = await provisionDatabase({
      dataDir: paths.database,
      memoryServerTimeoutMs: 120_000,
      skipMemoryServer: env.DEV_DATABASE === 'mongo-java-server' ? 'DEV_DATABASE=mongo-java-server' : undefined,
      log,
    });
    for (const reason of database.skipped) log(`skipped: ${reason}`);
    databaseKind = database.kind;
    dataLocation = path.relative(ROOT, paths.database) || paths.database;
    log(`MONGODB_URI is not set: using ${databaseKind}, data kept in ${dataLocation}`);
    env.MONGODB_URI = `${database.uri.replace(/\/$/, '')}/keyhold`;
    env.DATABASE_EMBEDDED = 'true';
  }
  if (!env.JWT_SECRET) env.JWT_SECRET = developmentSecret();
  if (!env.DATA_ENCRYPTION_KEY) env.DATA_ENCRYPTION_KEY = developmentEncryptionKey();
  env.AUTH_RATE_LIMIT_MAX ??= DEV_AUTH_RATE_LIMIT_MAX;

  const url = `http://localhost:${env.PORT ?? '3000'}`;
  if (database) writeDevState({ pid: process.pid, mongodbUri: env.MONGODB_URI, databaseKind, url });
  // The hosted pages rebuild on every change under web/account; the server reads the bundle per request.
  const stopPages = await watchAccountPages(log);
  const supervisor = superviseServer({
    root: ROOT,
    env,
    readyUrl: `${url.replace('localhost', '127.0.0.1')}/readyz`,
    onReady: () => log(`ready: ${url}  account ${url}/account/  docs ${url}/docs  database ${databaseKind}  data ${dataLocation}`),
    log,
  });
  const exitCode = await supervisor.exited;
  await stopPages();
  removeDevState();
  await database?.stop();
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  process.stderr.write(`[dev] could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
