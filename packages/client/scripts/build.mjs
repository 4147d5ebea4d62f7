// Builds @keyhold/client: ESM with types (dist/esm), CommonJS with types (dist/cjs), and one self-contained
// ES module for browsers (dist/keyhold-client.browser.js), whose gzipped size is printed and capped.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BROWSER_BUNDLE_LIMIT = 12 * 1024;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const tsc = (project) =>
  execFileSync(process.execPath, [path.join(root, '../../node_modules/typescript/bin/tsc'), '-p', project], {
    cwd: root,
    stdio: 'inherit',
  });

fs.rmSync(dist, { recursive: true, force: true });
tsc('tsconfig.json');
tsc('tsconfig.build.json');
tsc('tsconfig.cjs.json');
// The package is "type": "module"; this marks the CommonJS half as such.
fs.writeFileSync(path.join(dist, 'cjs/package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

const bundle = path.join(dist, 'keyhold-client.browser.js');
await build({
  entryPoints: [path.join(root, 'src/index.ts')],
  outfile: bundle,
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  platform: 'browser',
});
const gzipped = gzipSync(fs.readFileSync(bundle)).length;
process.stdout.write(
  `${path.relative(process.cwd(), bundle)}: ${(gzipped / 1024).toFixed(1)} kB gzipped (limit ${BROWSER_BUNDLE_LIMIT / 1024} kB)\n`,
);
if (gzipped > BROWSER_BUNDLE_LIMIT) {
  process.stderr.write('The browser bundle is over its size limit.\n');
  process.exitCode = 1;
}
