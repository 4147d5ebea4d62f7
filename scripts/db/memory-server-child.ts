/**
 * Runs mongodb-memory-server in its own process so the provisioner can give up on it after a bounded
 * time (its binary download cannot be cancelled in-process). Prints one line tagged `KEYHOLD_DB ` with
 * `{ "uri" }` or `{ "error" }` (download progress and other output may come before it), then keeps
 * mongod alive until standard input closes.
 * Usage: node --import tsx scripts/db/memory-server-child.ts [persistent-db-path]
 */
import { MongoMemoryServer } from 'mongodb-memory-server';
import { ANSWER_TAG } from './child-answer';

async function main(): Promise<void> {
  const dbPath = process.argv[2];
  const server = await MongoMemoryServer.create(dbPath ? { instance: { dbPath, storageEngine: 'wiredTiger' } } : undefined);
  process.stdout.write(`${ANSWER_TAG}${JSON.stringify({ uri: server.getUri() })}\n`);
  const stop = (): void => {
    void server.stop({ doCleanup: !dbPath }).finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.on('SIGTERM', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`${ANSWER_TAG}${JSON.stringify({ error: message })}\n`);
  process.exit(1);
});
