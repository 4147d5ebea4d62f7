/**
 * Module boundaries (docs/ARCHITECTURE.md): another module is reached only through its index.ts, and the
 * shared kernel (src/config, db, errors, lib, middleware) imports no module. Type-only imports count too.
 * Tests beside a module (__tests__) may read any model to assert the database after a call.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'module-through-its-index',
      comment: "A module uses another module only through that module's index.ts, its one public face.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/', pathNot: '/__tests__/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'composition-through-indexes',
      comment: 'app.ts, container.ts, server.ts and sweep.job.ts compose modules through their indexes.',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'kernel-imports-no-module',
      comment: 'The shared kernel lies below every module: it never imports one, nor the composition root.',
      severity: 'error',
      from: { path: '^src/(config|db|errors|lib|middleware)/' },
      to: { path: '^src/(modules/|app\\.ts|container\\.ts|server\\.ts|sweep\\.job\\.ts)' },
    },
    {
      name: 'modules-depend-one-way',
      comment:
        'Module dependencies form no cycle: where two modules need each other, one imports the other and gets the rest as a function from container.ts (docs/ARCHITECTURE.md).',
      severity: 'error',
      from: { path: '^src/modules/', pathNot: '/__tests__/' },
      to: { circular: true },
    },
    {
      name: 'service-imports-no-tests',
      comment: 'Production code never imports test code.',
      severity: 'error',
      from: { path: '^src/', pathNot: '/__tests__/' },
      to: { path: '(^tests/|/__tests__/)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|coverage|node_modules)/' },
  },
};
