import type { Config } from 'jest';
import { isChromiumInstalled } from './tests/support/browser';

// The browser tests drive Debian's Chromium; .ci/run installs it. Elsewhere they run when it is present
// (the global setup says so at the start of the run).
const runBrowserTests = isChromiumInstalled();

/** Packages published only as ES modules that the service or its tests load. */
const ESM_ONLY_PACKAGES = ['openid-client', 'oauth4webapi', 'jose', 'oauth2-mock-server', 'is-plain-obj'];
const ESM_ONLY_JS = '^.+\\.m?js$';

const config: Config = {
  testEnvironment: 'node',
  // Tests of one module sit beside it (src/modules/<name>/__tests__); suites that cross modules stay in tests/.
  roots: ['<rootDir>/src', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(runBrowserTests ? [] : ['<rootDir>/tests/browser/'])],
  // @keyhold/client's sources import siblings as `./x.js` (ESM); here they are the .ts files beside them.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // openid-client 6, its dependencies and oauth2-mock-server ship only ES modules. The built server loads
    // them with Node's require(esm) (on by default since 20.19), but Jest's module registry cannot require an
    // ES module before Node 24.9, so Jest compiles just these packages to CommonJS instead.
    [ESM_ONLY_JS]: ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_PACKAGES.join('|')})/)`],
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  setupFiles: ['<rootDir>/tests/support/setup-file.ts'],
  testTimeout: 30_000,
  maxWorkers: 2,
};

export default config;
