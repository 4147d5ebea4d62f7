// @ts-check
import { createServer } from 'node:http';
import { setTimeout } from 'node:timers';
import { createApp } from './app.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Reads the environment; exits with a message when it cannot be used. */
function readConfig() {
  const env = process.env;
  const fail = (/** @type {string} */ message) => {
    process.stderr.write(`resource-server: ${message}\n`);
    process.exit(1);
  };
  const issuer = env.KEYHOLD_ISSUER;
  if (!issuer) return fail("KEYHOLD_ISSUER is required: Keyhold's TOKEN_ISSUER, e.g. http://localhost:3000");
  const port = Number(env.PORT || 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return fail(`PORT must be 0-65535, not "${env.PORT}"`);
  /** @param {string} name */
  const milliseconds = (name) => {
    const value = env[name];
    if (value === undefined || value === '') return {};
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) return fail(`${name} must be a whole number of milliseconds, not "${value}"`);
    return parsed;
  };
  const cacheMaxAge = milliseconds('KEYHOLD_JWKS_CACHE_MAX_AGE_MS');
  const cooldownMs = milliseconds('KEYHOLD_JWKS_COOLDOWN_MS');
  return {
    keyhold: {
      issuer,
      audience: env.KEYHOLD_AUDIENCE || 'keyhold-api',
      ...(env.KEYHOLD_JWKS_URI ? { jwksUri: env.KEYHOLD_JWKS_URI } : {}),
      ...(typeof cacheMaxAge === 'number' ? { cacheMaxAge } : {}),
      ...(typeof cooldownMs === 'number' ? { cooldownMs } : {}),
    },
    port,
    host: env.HOST || '127.0.0.1',
  };
}

const config = readConfig();
const server = createServer(createApp(config.keyhold));

server.on('error', (error) => {
  process.stderr.write(`resource-server: ${error.message}\n`);
  process.exit(1);
});
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(`resource-server listening on http://${host}:${port}\n`);
});

/** Stops taking connections, lets requests in flight finish, and gives up after SHUTDOWN_TIMEOUT_MS. */
function shutdown() {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    process.stderr.write('resource-server: requests still open after 10 s; exiting anyway\n');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
