import type { mongo } from 'mongoose';
import { logger } from '../lib/logger';
import { withTimeout } from '../lib/with-timeout';
import { ensureDatabaseGuarantees } from './guarantees';

/**
 * `unavailable`: no usable server (stopped, unreachable, frozen past a health check);
 * `verifying`: a server is back and its guarantees are being checked (and rebuilt);
 * `ready`: the guarantees were verified on the server we talk to now.
 */
export type DatabaseState = 'unavailable' | 'verifying' | 'ready';

export interface AvailabilityOptions {
  /** Pause before checking the guarantees again after a failed check. */
  recheckMs: number;
  /** Retry-After for requests refused while the database is not ready. */
  retryAfterMs: number;
  /** How long a request may wait for a verification in progress. */
  waitMs: number;
}

let state: DatabaseState = 'unavailable';
// Bumped whenever the server is lost: a verification started before that must not mark it ready.
let generation = 0;
let verification: Promise<void> | undefined;
let recheck: NodeJS.Timeout | undefined;
let settings: AvailabilityOptions = { recheckMs: 1000, retryAfterMs: 2000, waitMs: 4000 };
let watched: mongo.MongoClient | undefined;

function isUsable(description: mongo.TopologyDescription): boolean {
  return description.hasDataBearingServers && description.type !== 'ReplicaSetNoPrimary';
}

/** Drops the check in progress (its outcome no longer counts) and any recheck it scheduled. */
function abandonVerification(): void {
  generation++;
  clearTimeout(recheck);
  verification = undefined;
}

function markUnavailable(reason: string): void {
  abandonVerification();
  if (state !== 'unavailable') logger.warn('database unavailable; requests that need it answer 503', { reason });
  state = 'unavailable';
}

/** Checks (and rebuilds) the guarantees; until they hold, requests that need the database get 503. */
function verifyGuarantees(): Promise<void> {
  if (verification) return verification;
  const started = generation;
  state = 'verifying';
  const run = ensureDatabaseGuarantees()
    .catch((error: unknown) => [error instanceof Error ? error.message : String(error)])
    .then((problems) => {
      if (started !== generation) return;
      verification = undefined;
      if (problems.length === 0) {
        state = 'ready';
        logger.info('database guarantees verified');
        return;
      }
      logger.error('database guarantees do not hold; refusing requests that need the database', { problems });
      recheck = setTimeout(() => void verifyGuarantees(), settings.recheckMs).unref();
    });
  verification = run;
  return run;
}

function onTopologyChanged(event: mongo.TopologyDescriptionChangedEvent): void {
  if (!isUsable(event.newDescription)) markUnavailable('no usable database server');
  else if (state === 'unavailable') void verifyGuarantees();
}

/**
 * A pooled connection found closed by the server: it may have restarted (empty, if in memory) between
 * two health checks, which the topology never shows. Verify again; requests wait or get 503 meanwhile.
 */
function onConnectionClosed(event: mongo.ConnectionClosedEvent): void {
  if (event.reason !== 'error' || state === 'unavailable') return;
  if (state === 'ready') logger.warn('database connection lost; verifying the guarantees again');
  abandonVerification();
  void verifyGuarantees();
}

/**
 * Follows the driver's view of the server: losing it makes the service refuse database work at once;
 * regaining it, or finding a pooled connection closed under it, re-verifies the guarantees first,
 * because the server that answers may have come back empty (restored, or an in-memory server
 * restarted) without the unique indexes correctness rests on. Operations already under way when the
 * server went away may still reach the new one before that: the watch narrows the window to them.
 */
export async function watchDatabase(client: mongo.MongoClient, options: AvailabilityOptions): Promise<void> {
  settings = options;
  if (watched !== client) {
    unfollow();
    client.on('topologyDescriptionChanged', onTopologyChanged);
    client.on('connectionClosed', onConnectionClosed);
    watched = client;
  }
  abandonVerification();
  await verifyGuarantees();
}

/** Stops following the driver (the connection is being closed on purpose). */
export function unwatchDatabase(): void {
  unfollow();
  markUnavailable('closed');
}

function unfollow(): void {
  watched?.off('topologyDescriptionChanged', onTopologyChanged);
  watched?.off('connectionClosed', onConnectionClosed);
  watched = undefined;
}

export function databaseState(): DatabaseState {
  return state;
}

/** Whole seconds a client should wait before retrying a request refused for the database's sake. */
export function databaseRetryAfterSeconds(): number {
  return Math.max(1, Math.ceil(settings.retryAfterMs / 1000));
}

/**
 * True once the database is ready; waits (boundedly) for a verification in progress, and for the one
 * that replaced it when more lost connections turned up meanwhile, never for a lost server.
 */
export async function whenDatabaseUsable(): Promise<boolean> {
  const deadline = Date.now() + settings.waitMs;
  let awaited: Promise<void> | undefined;
  while (state === 'verifying' && verification && verification !== awaited && Date.now() < deadline) {
    awaited = verification;
    await withTimeout(awaited, deadline - Date.now(), () => undefined);
  }
  return state === 'ready';
}
