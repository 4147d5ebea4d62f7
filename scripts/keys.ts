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

type Command = { name: 'list' } | { name: 'rotate'; now: boolean } | { name: 'revoke'; kid: string };

function commandOf(args: string[]): Command {
  const [name, ...rest] = args;
  if (name === 'list' && rest.length === 0) return { name };
  if (name === 'rotate') {
    const { values } = parseArgs({ args: rest, options: { now: { type: 'boolean', default: false } } });
    return { name, now: values.now === true };
  }
  // A kid is base64url and may start with '-': taken as it is, never read as an option.
  const kids = rest[0] === '--' ? rest.slice(1) : rest;
  if (name === 'revoke' && kids.length === 1 && kids[0]) return { name, kid: kids[0] };
  throw new Error(USAGE);
}

async function main(): Promise<void> {
  const command = commandOf(process.argv.slice(2));
  const config = loadConfigFromEnvironment();
  configureLogger({ level: 'warn', format: config.log.format });
  await connectDatabase(config.db);
  const { ring, audit } = scriptKeyRing(config);
  try {
    if (command.name === 'rotate') {
      const key = await ring.rotate(command.now);
      process.stdout.write(
        `${key.state === 'current' ? 'now signing with' : 'published, signs from ' + key.activatesAt.toISOString() + ':'} ${key.kid}\n`,
      );
    } else if (command.name === 'revoke') {
      await ring.revoke(command.kid);
      process.stdout.write(`revoked ${command.kid}\n`);
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
