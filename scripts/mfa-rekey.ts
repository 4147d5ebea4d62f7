/**
 * `npm run mfa:rekey`: after rotating DATA_ENCRYPTION_KEY (new key in DATA_ENCRYPTION_KEY, old one in
 * DATA_ENCRYPTION_PREVIOUS_KEY), re-seals every stored TOTP secret under the new key. Safe to run while
 * the service runs and to run again; afterwards DATA_ENCRYPTION_PREVIOUS_KEY can be removed.
 */
import { loadConfigFromEnvironment } from '../src/config/env';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { systemClock } from '../src/lib/clock';
import { configureLogger } from '../src/lib/logger';
import { createSecretBox } from '../src/lib/secret-box';
import { createMfaCodeService } from '../src/services/mfa-code.service';

async function main(): Promise<void> {
  const config = loadConfigFromEnvironment();
  configureLogger({ level: 'warn', format: config.log.format });
  await connectDatabase(config.db);
  try {
    const codes = createMfaCodeService({ box: createSecretBox(config.encryption), now: systemClock });
    process.stdout.write(`re-sealed ${await codes.resealSecrets()} TOTP secret(s) under the current DATA_ENCRYPTION_KEY\n`);
  } finally {
    await disconnectDatabase();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`mfa:rekey failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
