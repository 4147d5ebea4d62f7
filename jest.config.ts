import type { Config } from 'jest';
import { isChromiumInstalled } from './tests/support/browser';

// The browser tests drive Debian's Chromium; .ci/run installs it. Elsewhere they run when it is present
// (the global setup says so at the start of the run).
const runBrowserTests = isChromiumInstalled();

const config: Config = {
  testEnvironment: 'node',
  // Tests of one module sit beside it (src/modules/<name>/__tests__); suites that cross modules stay in tests/.
  roots: ['<rootDir>/src', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(runBrowserTests ? [] : ['<rootDir>/tests/browser/'])],
  // @keyhold/client's sources import siblings as `./x.js` (ESM); here they are the .ts files beside them.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  setupFiles: ['<rootDir>/tests/support/setup-file.ts'],
  testTimeout: 30_000,
  maxWorkers: 2,
};

export default config;
