import fs from 'node:fs';
import type { Config } from 'jest';

// The browser tests drive Debian's Chromium; .ci/run installs it. Elsewhere they run when it is present.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const runBrowserTests = fs.existsSync(chromiumPath);
if (!runBrowserTests) {
  process.stdout.write(`[jest] ${chromiumPath} not found: tests/browser not run (apt-get install chromium, or set CHROMIUM_PATH)\n`);
}

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(runBrowserTests ? [] : ['<rootDir>/tests/browser/'])],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  setupFiles: ['<rootDir>/tests/support/setup-file.ts'],
  testTimeout: 30_000,
  maxWorkers: 2,
};

export default config;
