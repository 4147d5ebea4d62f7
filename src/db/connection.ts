import mongoose from 'mongoose';
import { logger, redactText } from '../lib/logger';
import { withTimeout } from '../lib/with-timeout';
import { databaseState, unwatchDatabase, watchDatabase, whenDatabaseUsable } from './availability';

export interface DatabaseOptions {
  uri: string;
  dbName?: string;
  serverSelectionTimeoutMs: number;
  maxPoolSize: number;
  connectRetries: number;
  /** Client-side bound on every operation (driver timeoutMS); none when absent (scripts, bulk seeding). */
  operationTimeoutMs?: number;
  /** Bound on opening a connection and on each server health check. */
  connectTimeoutMs?: number;
  /** How often the driver checks the server. */
  heartbeatIntervalMs?: number;
  /** Retry-After for requests refused while the database is unavailable. */
  retryAfterMs?: number;
}

/** Used where a caller gives no value of its own (tests, scripts); the service passes its configuration. */
const DRIVER_DEFAULTS = { connectTimeoutMs: 30_000, heartbeatIntervalMs: 10_000, retryAfterMs: 2000 };

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
      const heartbeatIntervalMs = options.heartbeatIntervalMs ?? DRIVER_DEFAULTS.heartbeatIntervalMs;
      await mongoose.connect(options.uri, {
        dbName: options.dbName,
        serverSelectionTimeoutMS: options.serverSelectionTimeoutMs,
        maxPoolSize: options.maxPoolSize,
        connectTimeoutMS: options.connectTimeoutMs ?? DRIVER_DEFAULTS.connectTimeoutMs,
        heartbeatFrequencyMS: heartbeatIntervalMs,
        ...(options.operationTimeoutMs ? { timeoutMS: options.operationTimeoutMs } : {}),
        // A lost server must fail operations (503) rather than queue them in Mongoose's buffer.
        bufferCommands: false,
        // Indexes are built and verified by the availability watch, at start-up and after every reconnect.
        autoIndex: false,
        autoCreate: false,
      });
      // Index builds also create collections; the first writes must not race them (mongo-java-server
      // fails such a race), and unique indexes must exist before anything relies on them.
      await watchDatabase(mongoose.connection.getClient(), {
        recheckMs: heartbeatIntervalMs,
        retryAfterMs: options.retryAfterMs ?? DRIVER_DEFAULTS.retryAfterMs,
        waitMs: options.operationTimeoutMs ?? options.serverSelectionTimeoutMs,
      });
      if (databaseState() !== 'ready') throw new Error('the database guarantees do not hold');
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

/**
 * True when the database's guarantees hold and it answers a ping within a second: a lost server
 * answers false at once, a frozen one within the second.
 */
export async function isDatabaseReady(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || !(await whenDatabaseUsable())) return false;
  const ping = db
    .admin()
    .ping()
    .then(() => true)
    .catch(() => false);
  // The ping itself may be what finds the server restarted, which starts a new verification.
  return (await withTimeout(ping, READINESS_PING_TIMEOUT_MS, () => false)) && databaseState() === 'ready';
}

/** Closes the connection; the disconnect it causes is expected, so it is not logged as a warning. */
export async function disconnectDatabase(): Promise<void> {
  disconnecting = true;
  unwatchDatabase();
  try {
    await mongoose.disconnect();
  } finally {
    disconnecting = false;
  }
}
