/**
 * `npm run data:rekey` (also `npm run mfa:rekey`): after rotating DATA_ENCRYPTION_KEY (new key in
 * DATA_ENCRYPTION_KEY, old one in DATA_ENCRYPTION_PREVIOUS_KEY), re-seals every value sealed under the
 * old key: stored TOTP secrets, the bodies of mails waiting in the outbox and the signing keys' private keys. Safe to run while the
 * service runs and to run again; afterwards DATA_ENCRYPTION_PREVIOUS_KEY can be removed.
 */
import { loadConfigFromEnvironment } from '../src/config/env';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { systemClock } from '../src/lib/clock';
import { configureLogger } from '../src/lib/logger';
import { createSecretBox } from '../src/lib/secret-box';
import { createMailOutboxService } from '../src/modules/mail';
import { createMfaCodeService } from '../src/modules/mfa';
import { createUserRecords } from '../src/modules/users';
import { scriptKeyRing } from './lib/key-ring';

async function main(): Promise<void> {
  const config = loadConfigFromEnvironment();
  configureLogger({ level: 'warn', format: config.log.format });
  await connectDatabase(config.db);
  try {
    const box = createSecretBox(config.encryption);
    const codes = createMfaCodeService({ box, now: systemClock, users: createUserRecords({ now: systemClock }) });
    const outbox = createMailOutboxService({ now: systemClock, settings: config.mail, messageIdDomain: 'rekey.localhost', box });
    const { ring, audit } = scriptKeyRing(config);
    const secrets = await codes.resealSecrets();
    const bodies = await outbox.resealBodies();
    const keys = await ring.resealPrivateKeys();
    await audit.flush();
    process.stdout.write(
      `re-sealed ${secrets} TOTP secret(s), ${bodies} waiting mail bod(ies) and ${keys} signing key(s) under the current DATA_ENCRYPTION_KEY\n`,
    );
  } finally {
    await disconnectDatabase();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`data:rekey failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
