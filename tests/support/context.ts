import type { Express } from 'express';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/env';
import { createContainer, type Container, type ContainerOptions } from '../../src/container';
import type { Clock } from '../../src/lib/clock';
import { testDatabaseUri, useTestDatabase } from './database';

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
  // A fixed test key, so contexts built with NODE_ENV=production start too.
  DATA_ENCRYPTION_KEY: 'c8a6bac8d6dbcd36738c7c5f9532853d4df398f058f219c0662f692946ea6de5',
  BCRYPT_COST: '4',
  PASSWORD_HASH_WORKERS: '2',
  RATE_LIMIT_ENABLED: 'false',
  LOGIN_MAX_FAILURES: '50',
  CORS_ORIGINS: 'http://app.example.test',
  REFRESH_REUSE_GRACE: '0',
  // A loaded CI machine must not turn slow hashes or slow counts into BUSY or uncounted requests;
  // the tests of those bounds set their own.
  PASSWORD_HASH_MAX_WAIT: '60s',
  RATE_LIMIT_STORE_TIMEOUT: '10s',
};

export function buildTestConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...TEST_ENV, MONGODB_URI: testDatabaseUri(), ...overrides });
}

/** A clock tests can move: `clock.advance(ms)` replaces sleeping. */
export interface TestClock {
  now: Clock;
  advance(ms: number): void;
}

export function createTestClock(start = new Date()): TestClock {
  let current = start.getTime();
  return { now: () => new Date(current), advance: (ms) => void (current += ms) };
}

export interface TestContext {
  app: Express;
  container: Container;
  config: Config;
}

/**
 * Builds a container and app with test configuration. Call inside beforeAll (after the database
 * connects) and close it in afterAll.
 */
export function createTestContext(overrides: Record<string, string> = {}, options: Omit<ContainerOptions, 'config'> = {}): TestContext {
  const config = buildTestConfig(overrides);
  const container = createContainer({ config, ...options });
  return { app: createApp(container), container, config };
}

/**
 * The usual test-file lifecycle in one line: a database of its own, then a container and app built
 * once before the tests and closed after them. The returned object is filled in by `beforeAll`.
 */
export function useTestApp(overrides: Record<string, string> = {}, options: Omit<ContainerOptions, 'config'> = {}): TestContext {
  useTestDatabase();
  const ctx = {} as TestContext;
  beforeAll(() => {
    Object.assign(ctx, createTestContext(overrides, options));
  });
  afterAll(() => ctx.container?.close());
  return ctx;
}

/**
 * A second app on the same database whose clock the test moves (`clock.advance`), built once and closed
 * after the file: expiry can be tested there while the file's other tests keep real time.
 */
export function useMovingClockApp(overrides: Record<string, string> = {}): { clock: TestClock; app: TestContext } {
  const clock = createTestClock();
  const app = {} as TestContext;
  beforeAll(() => {
    Object.assign(app, createTestContext(overrides, { clock: clock.now }));
  });
  afterAll(() => app.container?.close());
  return { clock, app };
}
