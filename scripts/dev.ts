/**
 * `npm run dev`: runs Keyhold with zero configuration. Without MONGODB_URI it provisions a local
 * database whose data survives restarts (under .data/), and without JWT_SECRET or DATA_ENCRYPTION_KEY
 * it generates a development secret or key once and keeps it under .data/. None is fit for production.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { provisionDatabase, type ProvisionedDatabase } from './db/provision';

const ROOT = path.resolve(__dirname, '..');
const DATA_DIR = path.join(ROOT, '.data');
const SECRET_FILE = path.join(DATA_DIR, 'dev-jwt-secret');
const ENCRYPTION_KEY_FILE = path.join(DATA_DIR, 'dev-data-encryption-key');

function log(line: string): void {
  process.stdout.write(`[dev] ${line}\n`);
}

function developmentSecret(): string {
  if (!fs.existsSync(SECRET_FILE)) {
    fs.mkdirSync(DATA_DIR, { recursive: true });
    fs.writeFileSync(SECRET_FILE, randomBytes(48).toString('base64url'), { mode: 0o600 });
    log(`generated a development JWT secret in ${path.relative(ROOT, SECRET_FILE)}`);
  }
  const banner = '!'.repeat(78);
  process.stdout.write(
    `\n${banner}\n!! JWT_SECRET is not set: using the DEVELOPMENT secret in .data/dev-jwt-secret.\n` +
      `!! Anyone with that file can mint tokens. NEVER use it in production: set JWT_SECRET.\n${banner}\n\n`,
  );
  return fs.readFileSync(SECRET_FILE, 'utf8').trim();
}

/** 32 random bytes as hex, kept so TOTP secrets sealed in the development database stay readable. */
function developmentEncryptionKey(): string {
  if (!fs.existsSync(ENCRYPTION_KEY_FILE)) {
    fs.mkdirSync(DATA_DIR, { recursive: true });
    fs.writeFileSync(ENCRYPTION_KEY_FILE, randomBytes(32).toString('hex'), { mode: 0o600 });
    log(`generated a development DATA_ENCRYPTION_KEY in ${path.relative(ROOT, ENCRYPTION_KEY_FILE)} (never use it in production)`);
  }
  return fs.readFileSync(ENCRYPTION_KEY_FILE, 'utf8').trim();
}

async function main(): Promise<void> {
  dotenv.config({ path: path.join(ROOT, '.env'), quiet: true });
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'development' };
  let database: ProvisionedDatabase | undefined;
  if (!env.MONGODB_URI) {
    database = await provisionDatabase({ dataDir: path.join(DATA_DIR, 'db'), memoryServerTimeoutMs: 120_000, log });
    for (const reason of database.skipped) log(`skipped: ${reason}`);
    log(`MONGODB_URI is not set: using ${database.kind}, data kept in .data/db`);
    env.MONGODB_URI = `${database.uri.replace(/\/$/, '')}/keyhold`;
    env.DATABASE_EMBEDDED = 'true';
  }
  if (!env.JWT_SECRET) env.JWT_SECRET = developmentSecret();
  if (!env.DATA_ENCRYPTION_KEY) env.DATA_ENCRYPTION_KEY = developmentEncryptionKey();

  const tsxCli = require.resolve('tsx/cli');
  const server = spawn(process.execPath, [tsxCli, 'watch', '--clear-screen=false', 'src/server.ts'], { cwd: ROOT, env, stdio: 'inherit' });
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    server.kill('SIGTERM');
    void Promise.resolve(database?.stop()).finally(() => process.exit(code));
  };
  server.on('exit', (code) => stop(code ?? 0));
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`[dev] could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
