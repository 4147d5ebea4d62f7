/**
 * `npm run keys:list`, `npm run keys:rotate [-- --now]`, `npm run keys:revoke -- <kid>`: the signing-key
 * admin routes for an operator with database access (same MONGODB_URI and DATA_ENCRYPTION_KEY as the
 * service). Every change is audited like its HTTP twin; running instances pick it up within SIGNING_KEY_RELOAD.
 */
import { parseArgs } from 'node:util';
import { loadConfigFromEnvironment } from '../src/config/env';
import { connectDatabase, disconnectDatabase } from '../src/db/connection';
import { configureLogger } from '../src/lib/logger';
import { scriptKeyRing } from './lib/key-ring';

const USAGE = 'usage: keys list | keys rotate [--now] | keys revoke <kid>';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { now: { type: 'boolean', default: false } } });
  const [command, kid] = positionals;
  if (!command || !['list', 'rotate', 'revoke'].includes(command) || (command === 'revoke' && !kid)) throw new Error(USAGE);
  const config = loadConfigFromEnvironment();
  configureLogger({ level: 'warn', format: config.log.format });
  await connectDatabase(config.db);
  const { ring, audit } = scriptKeyRing(config);
  try {
    if (command === 'rotate') {
      const key = await ring.rotate(values.now === true);
      process.stdout.write(
        `${key.state === 'current' ? 'now signing with' : 'published, signs from ' + key.activatesAt.toISOString() + ':'} ${key.kid}\n`,
      );
    } else if (command === 'revoke') {
      await ring.revoke(kid!);
      process.stdout.write(`revoked ${kid}\n`);
    }
    for (const key of await ring.listKeys()) {
      process.stdout.write(
        `${key.kid}  ${key.alg}  ${key.state.padEnd(7)}  activates ${key.activatesAt.toISOString()}${key.retiredAt ? `  retired ${key.retiredAt.toISOString()}` : ''}\n`,
      );
    }
  } finally {
    await audit.flush();
    await disconnectDatabase();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`keys failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
