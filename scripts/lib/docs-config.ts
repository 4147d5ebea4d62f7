import { loadConfig, type Config } from '../../src/config/env';

/**
 * The configuration the OpenAPI document is built with outside a running service (`npm run openapi`,
 * `npm run client:generate`): defaults plus the environment. The document depends on limits (password
 * length, page size), never on these two placeholders.
 */
export function buildDocsConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig({ ...env, MONGODB_URI: 'mongodb://127.0.0.1/keyhold', JWT_SECRET: 'placeholder-not-used-for-docs' });
}
