/**
 * `npm run seed:admin [-- --email a@b.c --password '...']`: creates or promotes the admin account.
 * Flags win over ADMIN_EMAIL / ADMIN_PASSWORD. Idempotent; prints what it did, never the password.
 */
import { parseArgs } from 'node:util';
import { loadConfigFromEnvironment } from '../src/config/env';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { configureLogger } from '../src/lib/logger';
import { createPasswordHasher } from '../src/lib/password-hasher';
import { seedAdmin } from '../src/services/admin-seed.service';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } } });
  const config = loadConfigFromEnvironment();
  configureLogger({ level: 'warn', format: config.log.format });
  const email = values.email ?? config.admin.email;
  const password = values.password ?? config.admin.password;
  if (!email || !password) throw new Error('give --email and --password, or set ADMIN_EMAIL and ADMIN_PASSWORD');
  await connectDatabase(config.db);
  const hasher = createPasswordHasher({ cost: config.password.bcryptCost, workers: 1, maxWaitMs: config.password.hashMaxWaitMs });
  try {
    const result = await seedAdmin({ email, password }, { hasher, passwordPolicy: config.password });
    process.stdout.write(`admin ${result.email}: ${result.outcome} (id ${result.userId})\n`);
  } finally {
    await hasher.close();
    await disconnectDatabase();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed:admin failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
