import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfigFromEnvironment, type Config } from './config/env';
import { createContainer, type Container } from './container';
import { connectDatabase, disconnectDatabase } from './db/connection';
import { createSweepJob } from './jobs/sweep.job';
import { configureLogger, logger } from './lib/logger';
import { seedAdminFromConfig } from './services/admin-seed.service';
import { createGeoLocator } from './services/geo-locator.service';
import { createGeoIpUpdater } from './services/geoip-updater.service';

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

/** Stops accepting connections, lets in-flight requests finish within the grace period, then closes. */
function shutDownGracefully(server: Server, container: Container, stopBackground: () => Promise<void>, graceMs: number) {
  let stopping = false;
  return (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal, graceMs });
    const forceExit = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, graceMs).unref();
    const backgroundStopped = stopBackground();
    server.close(() => {
      void backgroundStopped
        .then(() => container.close())
        .then(disconnectDatabase)
        .then(() => {
          clearTimeout(forceExit);
          logger.info('shut down cleanly');
          process.exit(0);
        });
    });
    server.closeIdleConnections();
  };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  configureLogger(config.log);
  await connectDatabase(config.db);
  const geoLocator = createGeoLocator();
  const geoUpdater = createGeoIpUpdater({ geoip: config.geoip, locator: geoLocator });
  const container = createContainer({ config, geo: geoLocator });
  if (config.admin.seedOnStart) {
    const { hasher, now, services } = container;
    await seedAdminFromConfig(config, { hasher, now, passwordPolicy: config.password, sessions: services.sessions, audit: services.audit });
  }
  if (config.isProduction && !config.mail.smtpUrl) {
    logger.warn('SMTP_URL is not set: NO MAIL WILL BE SENT (password resets, address verification, notices). Set SMTP_URL and APP_URL.');
  }
  const server = createApp(container).listen(config.http.port, config.http.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    logger.info('keyhold listening', { host: config.http.host, port, env: config.env });
  });
  geoUpdater.start();
  const sweep = createSweepJob(container);
  sweep.start();
  const graceMs = config.http.shutdownGraceMs;
  container.jobs.outbox.start();
  const stopBackground = async (): Promise<void> => {
    void sweep.stop();
    geoUpdater.stop();
    // Half the grace for a send in flight, so the rest of the shutdown still fits.
    await container.jobs.outbox.stop(graceMs / 2);
  };
  const shutdown = shutDownGracefully(server, container, stopBackground, graceMs);
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  logger.error('start-up failed', { error });
  process.exit(1);
});
