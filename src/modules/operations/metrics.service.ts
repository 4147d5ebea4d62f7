import mongoose from 'mongoose';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../../lib/clock';
import { logger } from '../../lib/logger';
import { hashQueueChannel, type HashQueueEvent } from '../../lib/telemetry';
import { OUTBOX_STATUSES } from '../mail';

/** One finished HTTP request, as the request-metrics middleware saw it. */
export interface RequestSample {
  method: string;
  /** The route template (`/api/v1/users/:id`), or `unmatched`: never the raw path. */
  route: string;
  status: number;
  /** The problem code of an error response. */
  code?: string;
  seconds: number;
}

const LOGIN_ROUTES = new Set(['/api/v1/auth/login', '/api/v1/auth/mfa/verify']);
const REFRESH_ROUTE = '/api/v1/auth/refresh';
const ACTIVE_SESSIONS_QUERY_TIMEOUT_MS = 2000;

export type MetricsService = ReturnType<typeof createMetricsService>;

/**
 * The Prometheus registry of one app: HTTP latency, login and refresh outcomes, active sessions,
 * the password-hash queue, the mail outbox, the database pool, and Node's default process metrics. Each container has
 * its own registry, so several apps in one process (tests) never share counters.
 */
export function createMetricsService(deps: {
  now: Clock;
  outboxCounts: () => Promise<Record<string, number>>;
  /** Sessions neither revoked nor expired, within a time bound (the sessions module's count). */
  activeSessions: (maxTimeMs: number) => Promise<number>;
  /** Signing keys by state (next, current, retired), as this instance holds the ring. */
  signingKeys: () => Record<string, number>;
}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status.',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const logins = new Counter({
    name: 'keyhold_logins_total',
    help: 'Login attempts by outcome: success, or the problem code in lower case (invalid_credentials, rate_limited, busy...).',
    labelNames: ['outcome'],
    registers,
  });
  const refreshRotations = new Counter({ name: 'keyhold_refresh_rotations_total', help: 'Refresh tokens rotated.', registers });
  const reuseDetections = new Counter({
    name: 'keyhold_refresh_reuse_detections_total',
    help: 'Replayed refresh tokens detected (each ended a session).',
    registers,
  });
  new Gauge({
    name: 'keyhold_active_sessions',
    help: 'Sessions neither revoked nor expired, counted at scrape time.',
    registers,
    async collect() {
      try {
        this.set(await deps.activeSessions(ACTIVE_SESSIONS_QUERY_TIMEOUT_MS));
      } catch (error) {
        logger.debug('active session count unavailable', { error });
      }
    },
  });
  new Gauge({
    name: 'keyhold_signing_keys',
    help: 'Access-token signing keys in the ring, by state.',
    labelNames: ['state'],
    registers,
    collect() {
      for (const [state, count] of Object.entries(deps.signingKeys())) this.set({ state }, count);
    },
  });
  const hashQueueDepth = new Gauge({ name: 'keyhold_password_hash_queue_depth', help: 'Password hashes waiting for a worker.', registers });
  const hashQueueWait = new Histogram({
    name: 'keyhold_password_hash_queue_wait_seconds',
    help: 'Time a password hash waited for a worker.',
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const hashRefusals = new Counter({
    name: 'keyhold_password_hash_refusals_total',
    help: 'Queued password hashes refused (503 BUSY) because they could not start in time.',
    registers,
  });
  const dbConnections = new Gauge({
    name: 'keyhold_db_pool_connections',
    help: 'Database connections of the driver pool: open, and in use by an operation.',
    labelNames: ['state'],
    registers,
  });
  const dbErrors = new Counter({
    name: 'keyhold_db_errors_total',
    help: 'Database trouble: pool check-outs that failed, failed heartbeats, requests answered 503 SERVICE_UNAVAILABLE.',
    labelNames: ['kind'],
    registers,
  });
  new Gauge({
    name: 'keyhold_mail_outbox_messages',
    help: 'Mail outbox messages by status, counted at scrape time: pending and sending are the depth, failed were given up.',
    labelNames: ['status'],
    registers,
    async collect() {
      try {
        const counts = await deps.outboxCounts();
        for (const status of OUTBOX_STATUSES) this.set({ status }, counts[status] ?? 0);
      } catch (error) {
        logger.debug('outbox counts unavailable', { error });
      }
    },
  });

  const onHashQueue = (message: unknown): void => {
    const event = message as HashQueueEvent;
    if (event.phase === 'queued') return void hashQueueDepth.inc();
    hashQueueDepth.dec();
    if (event.phase === 'refused') hashRefusals.inc();
    if (event.waitSeconds !== undefined) hashQueueWait.observe(event.waitSeconds);
  };
  hashQueueChannel.subscribe(onHashQueue);

  const poolListeners: Record<string, () => void> = {
    connectionCreated: () => dbConnections.inc({ state: 'open' }),
    connectionClosed: () => dbConnections.dec({ state: 'open' }),
    connectionCheckedOut: () => dbConnections.inc({ state: 'in_use' }),
    connectionCheckedIn: () => dbConnections.dec({ state: 'in_use' }),
    connectionCheckOutFailed: () => dbErrors.inc({ kind: 'checkout_failed' }),
    serverHeartbeatFailed: () => dbErrors.inc({ kind: 'heartbeat_failed' }),
  };
  // The driver's pool events; the client exists once connectDatabase has run (before any app is built).
  const client = mongoose.connection.readyState === 1 ? mongoose.connection.getClient() : undefined;
  for (const [event, listener] of Object.entries(poolListeners)) client?.on(event, listener);

  /** Records a finished request in the latency histogram and the outcome counters it stands for. */
  function observeRequest(sample: RequestSample): void {
    httpDuration.observe({ method: sample.method, route: sample.route, status: String(sample.status) }, sample.seconds);
    if (LOGIN_ROUTES.has(sample.route)) logins.inc({ outcome: sample.status < 400 ? 'success' : (sample.code ?? 'error').toLowerCase() });
    if (sample.route === REFRESH_ROUTE && sample.status === 200) refreshRotations.inc();
    if (sample.code === 'REFRESH_TOKEN_REUSED') reuseDetections.inc();
    if (sample.code === 'SERVICE_UNAVAILABLE') dbErrors.inc({ kind: 'unavailable_response' });
  }

  return {
    observeRequest,
    contentType: registry.contentType,
    /** The exposition text for a scrape. */
    render: () => registry.metrics(),
    /** Stops listening to the hasher and the driver. */
    close(): void {
      hashQueueChannel.unsubscribe(onHashQueue);
      for (const [event, listener] of Object.entries(poolListeners)) client?.off(event, listener);
    },
  };
}
