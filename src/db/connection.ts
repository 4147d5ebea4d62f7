import mongoose from 'mongoose';
import { logger, redactText } from '../lib/logger';

export interface DatabaseOptions {
  uri: string;
  dbName?: string;
  serverSelectionTimeoutMs: number;
  maxPoolSize: number;
  connectRetries: number;
}

const READINESS_PING_TIMEOUT_MS = 1000;
let stateLoggingAttached = false;
let disconnecting = false;

function attachStateLogging(): void {
  if (stateLoggingAttached) return;
  stateLoggingAttached = true;
  const connection = mongoose.connection;
  connection.on('connected', () => logger.info('database connected'));
  connection.on('disconnected', () => (disconnecting ? logger.info('database disconnected') : logger.warn('database disconnected')));
  connection.on('reconnected', () => logger.info('database reconnected'));
  connection.on('error', (error: Error) => logger.error('database error', { error: redactText(error.message) }));
}

/** Connects Mongoose, retrying with backoff while the server is not up yet (containers start in any order). */
export async function connectDatabase(options: DatabaseOptions): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  attachStateLogging();
  for (let attempt = 0; ; attempt++) {
    try {
      await mongoose.connect(options.uri, {
        dbName: options.dbName,
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
        maxPoolSize: options.maxPoolSize,
        autoIndex: true,
      });
      // Index builds also create collections; the first writes must not race them (mongo-java-server
      // fails such a race), and unique indexes must exist before anything relies on them.
      await Promise.all(Object.values(mongoose.models).map((model) => model.init()));
      return mongoose;
    } catch (error) {
      if (attempt >= options.connectRetries) throw error;
      const delayMs = Math.min(1000 * 2 ** attempt, 15_000);
      logger.warn('database not reachable yet; retrying', {
        attempt: attempt + 1,
        delayMs,
        reason: redactText(error instanceof Error ? error.message : String(error)),
      });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** True when the database answers a ping within a second; a down server must not hang probes. */
export async function isDatabaseReady(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READINESS_PING_TIMEOUT_MS)));
  const ping = db
    .admin()
    .ping()
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes the connection; the disconnect it causes is expected, so it is not logged as a warning. */
export async function disconnectDatabase(): Promise<void> {
  disconnecting = true;
  try {
    await mongoose.disconnect();
  } finally {
    disconnecting = false;
  }
}
