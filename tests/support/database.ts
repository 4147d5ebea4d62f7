import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { connectDatabase, type DatabaseOptions } from '../../src/db/connection';

/** The server the global setup provisioned (without a database name). */
export function testDatabaseUri(): string {
  const uri = process.env.KEYHOLD_TEST_DB_URI;
  if (!uri) throw new Error('KEYHOLD_TEST_DB_URI is not set: run the tests through jest (npm test)');
  return uri;
}

/**
 * Connects this process's Mongoose the way the service does, without retries (a test wants a failure
 * at once); `overrides` for the few tests that need another bound.
 */
export async function connectTestProcess(uri: string, dbName: string, overrides: Partial<DatabaseOptions> = {}): Promise<void> {
  await connectDatabase({ uri, dbName, serverSelectionTimeoutMs: 5000, maxPoolSize: 20, connectRetries: 0, ...overrides });
}

/** Connects this test file to a database of its own and drops it afterwards. */
export function useTestDatabase(): void {
  const dbName = `keyhold_test_${process.env.JEST_WORKER_ID ?? '0'}_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    await connectTestProcess(testDatabaseUri(), dbName);
    await Promise.all(Object.values(mongoose.models).map((model) => model.init()));
  });
  afterAll(async () => {
    await mongoose.connection.dropDatabase();
    await mongoose.disconnect();
  });
}

/** Empties every collection between tests that need a clean slate. */
export async function clearDatabase(): Promise<void> {
  await Promise.all(Object.values(mongoose.connection.collections).map((collection) => collection.deleteMany({})));
}
