import { buildAccountPages } from '../../scripts/build-account-pages';
import { provisionDatabase, type ProvisionedDatabase } from '../../scripts/db/provision';
import { CHROMIUM_PATH, isChromiumInstalled } from './browser';

declare global {
  var keyholdTestDatabase: ProvisionedDatabase | undefined;
}

const MEMORY_SERVER_TIMEOUT_MS = Number(process.env.TEST_MONGOMS_TIMEOUT_MS ?? 120_000);

/** What this run leaves out and why, said before any test runs rather than buried in the output. */
function notRun(database: ProvisionedDatabase): string[] {
  const reasons: string[] = [];
  if (!isChromiumInstalled()) {
    reasons.push(`tests/browser: ${CHROMIUM_PATH} not found (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  if (database.kind === 'mongo-java-server') {
    reasons.push('query plan checks (tests/integration/query-plans): mongo-java-server has no explain command');
  }
  return reasons;
}

/** Provisions one database server for the whole run; each test file then uses a database of its own. */
export default async function globalSetup(): Promise<void> {
  const log = (line: string): void => void process.stdout.write(`[test-db] ${line}\n`);
  // The hosted pages are served from their bundle: build it fresh, so no test sees stale pages.
  const pagesStarted = Date.now();
  const pages = await buildAccountPages();
  process.stdout.write(`[test-run] account pages built: ${pages.script} in ${Date.now() - pagesStarted} ms\n`);
  const started = Date.now();
  const database = await provisionDatabase({
    externalUri: { name: 'TEST_MONGODB_URI', uri: process.env.TEST_MONGODB_URI },
    memoryServerTimeoutMs: MEMORY_SERVER_TIMEOUT_MS,
    log,
  });
  globalThis.keyholdTestDatabase = database;
  process.env.KEYHOLD_TEST_DB_URI = database.uri;
  process.env.KEYHOLD_TEST_DB_KIND = database.kind;
  process.stdout.write('\n');
  log(`using ${database.kind} at ${database.uri.replace(/\/\/[^@/]*@/, '//***@')} (ready in ${Date.now() - started} ms)`);
  for (const reason of database.skipped) log(`skipped: ${reason}`);
  for (const reason of notRun(database)) process.stdout.write(`[test-run] not run: ${reason}\n`);
}
