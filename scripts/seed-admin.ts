/**
 * `npm run seed:admin [-- --email a@b.c] [-- --reset-password]`: creates the admin account.
 *
 * The password comes from ADMIN_PASSWORD or, on a terminal, a hidden prompt; never from a flag (npm
 * echoes the command line). Beside a running `npm run dev` nothing else is needed: the database and
 * secret are the ones dev provisioned. An existing account is never promoted with a password seeding
 * did not set; `--reset-password` sets ADMIN_PASSWORD on it and ends its sessions. Exit 0 when the
 * admin is in place, 1 otherwise. Prints what it did, never the password.
 */
import dotenv from 'dotenv';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../src/config/env';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { systemClock } from '../src/lib/clock';
import { configureLogger } from '../src/lib/logger';
import { createPasswordHasher } from '../src/lib/password-hasher';
import { createAuditService } from '../src/modules/audit';
import { createSessionService } from '../src/modules/sessions';
import { createUserRecords } from '../src/modules/users';
import { seedAdmin } from '../src/modules/users/admin-seed.service';
import { readDevSecret, readDevState } from './lib/dev-state';
import { askHidden } from './lib/hidden-prompt';

const ONE_HOUR_MS = 3_600_000;

/** The real environment and .env, plus, when they name no database, the running dev server's. */
function loadSeedConfig(): Config {
  dotenv.config({ quiet: true });
  const env = { ...process.env };
  if (!env.MONGODB_URI) {
    const dev = readDevState();
    if (!dev) throw new Error('MONGODB_URI is not set and `npm run dev` is not running: start it, or set MONGODB_URI');
    env.MONGODB_URI = dev.mongodbUri;
    env.DATABASE_EMBEDDED = 'true';
    env.JWT_SECRET ??= readDevSecret();
    process.stdout.write(`using the database of the running npm run dev (${dev.databaseKind})\n`);
  }
  return loadConfig(env);
}

async function readPassword(config: Config): Promise<string> {
  if (config.admin.password) return config.admin.password;
  if (!process.stdin.isTTY) throw new Error('set ADMIN_PASSWORD (no terminal to ask on)');
  const first = await askHidden('Admin password (hidden): ');
  if ((await askHidden('Again: ')) !== first) throw new Error('the two passwords differ');
  return first;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, 'reset-password': { type: 'boolean', default: false } } });
  const config = loadSeedConfig();
  configureLogger({ level: 'warn', format: config.log.format });
  const email = values.email ?? config.admin.email;
  if (!email) throw new Error('set ADMIN_EMAIL (or give --email)');
  const password = await readPassword(config);
  await connectDatabase(config.db);
  // One hash for one operator: nothing queues behind it, so it may take as long as the machine needs.
  const hasher = createPasswordHasher({ cost: config.password.bcryptCost, workers: 1, maxWaitMs: ONE_HOUR_MS, busyDelayMs: 0 });
  const audit = createAuditService();
  try {
    const result = await seedAdmin(
      { email, password, resetPassword: values['reset-password'] },
      {
        hasher,
        audit,
        passwordPolicy: config.password,
        sessions: createSessionService({
          session: config.session,
          now: systemClock,
          existingUserIds: createUserRecords({ now: systemClock }).existingIds,
        }),
        now: systemClock,
      },
    );
    process.stdout.write(`admin ${result.email}: ${result.outcome} (id ${result.userId})\n`);
  } finally {
    await audit.flush();
    await hasher.close();
    await disconnectDatabase();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed:admin failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
