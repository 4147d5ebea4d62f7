import { createApp } from './app';
import { ConfigError, loadConfigFromEnvironment, type Config } from './config/env';
import { createContainer, type Container } from './container';
import { connectDatabase, disconnectDatabase } from './db/connection';
import type { Job } from './lib/job';
import { createSweepJob } from './sweep.job';
import { createHttpServer, type HttpServer } from './lib/http-server';
import { configureLogger, logger } from './lib/logger';
import { seedAdminFromConfig } from './modules/users';
import { createGeoIpUpdater, createGeoLocator } from './modules/geoip';
import { KeyRingLockedError } from './modules/keys';

/** Loads the signing key ring before anything is served: a ring no configured key opens stops the start here. */
async function loadKeyRingOrExit(container: Container): Promise<void> {
  try {
    await container.keyRing.ensureLoaded();
  } catch (error) {
    if (error instanceof KeyRingLockedError) {
      logger.error(error.message);
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Exit codes a shell gives a process ended by the signal: 128 + its number. */
const SIGNAL_EXIT_CODES: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

function loadConfigOrExit(): Config {
  try {
    return loadConfigFromEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Drains in order: HTTP first (no new connections, in-flight requests and their handlers finish, idle
 * keep-alive connections close), then background jobs, then queued work (audit events), then the database.
 */
async function shutDown(http: HttpServer, jobs: Job[], container: Container): Promise<void> {
  await http.drain();
  logger.info('connections drained');
  await Promise.all(jobs.map((job) => job.stop()));
  await container.close();
  logger.info('queued work flushed');
  await disconnectDatabase();
}

/** The first SIGTERM/SIGINT drains within the grace period; a second one exits at once. */
function handleSignals(drain: () => Promise<void>, graceMs: number): void {
  let stopping = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (stopping) {
      logger.warn('second signal; exiting without draining', { signal });
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    stopping = true;
    logger.info('shutting down', { signal, graceMs });
    const forceExit = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, graceMs).unref();
    drain().then(
      () => {
        clearTimeout(forceExit);
        logger.info('shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  configureLogger(config.log);
  await connectDatabase(config.db);
  const geoLocator = createGeoLocator();
  const geoUpdater = createGeoIpUpdater({ geoip: config.geoip, locator: geoLocator });
  const container = createContainer({ config, geo: geoLocator });
  await loadKeyRingOrExit(container);
  if (config.admin.seedOnStart) {
    const { hasher, now, services } = container;
    await seedAdminFromConfig(config, { hasher, now, passwordPolicy: config.password, sessions: services.sessions, audit: services.audit });
  }
  if (config.isProduction && !config.mail.smtpUrl) {
    logger.warn('SMTP_URL is not set: NO MAIL WILL BE SENT (password resets, address verification, notices). Set SMTP_URL and APP_URL.');
  }
  if (config.isProduction && !config.publicUrlConfigured) {
    logger.warn(`PUBLIC_URL is not set: tokens name ${config.tokens.issuer} as their issuer and the JWKS lives there. Set PUBLIC_URL.`);
  }
  const graceMs = config.http.shutdownGraceMs;
  const http = createHttpServer(createApp(container), config.http);
  http.server.listen(config.http.port, config.http.host, () => {
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    logger.info('keyhold listening', { host: config.http.host, port, env: config.env });
  });
  const jobs: Job[] = [
    createSweepJob(container),
    { name: 'geoip-update', start: () => geoUpdater.start(), stop: async () => geoUpdater.stop() },
    // Half the grace for a send in flight, so the rest of the shutdown still fits.
    { name: 'outbox', start: () => container.jobs.outbox.start(), stop: () => container.jobs.outbox.stop(graceMs / 2) },
    container.jobs.signingKeys,
    container.jobs.habitSummaries,
  ];
  jobs.forEach((job) => job.start());
  handleSignals(() => shutDown(http, jobs, container), graceMs);
}

main().catch((error: unknown) => {
  logger.error('start-up failed', { error });
  process.exit(1);
});
