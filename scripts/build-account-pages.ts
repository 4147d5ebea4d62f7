/**
 * `npm run build:pages`: bundles the hosted account pages (web/account) with esbuild into
 * dist/account-pages: index.html naming content-hashed assets under assets/. The jest global setup and
 * `npm run dev` call it too, so the pages are never stale; `--watch` rebuilds on every change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(__dirname, '..');
const SOURCE = path.join(ROOT, 'web/account');
export const ACCOUNT_PAGES_OUT_DIR = path.join(ROOT, 'dist/account-pages');

function buildOptions(outDir: string, onBuilt: (result: esbuild.BuildResult<{ metafile: true }>) => void): esbuild.BuildOptions {
  return {
    entryPoints: { app: path.join(SOURCE, 'src/main.ts'), styles: path.join(SOURCE, 'styles.css') },
    outdir: path.join(outDir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020'],
    // Bundle @keyhold/client from its TypeScript source, so the pages need no prior package build.
    conditions: ['keyhold-source'],
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [
      {
        name: 'write-shell',
        setup: (build) => build.onEnd((result) => void (result.errors.length === 0 && result.metafile && onBuilt(result as never))),
      },
    ],
  };
}

/** The output file built from `entry`, as the shell names it. */
function outputOf(metafile: esbuild.Metafile, entry: string): string {
  const found = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint?.endsWith(entry));
  if (!found) throw new Error(`esbuild produced nothing for ${entry}`);
  return path.basename(found[0]);
}

/** Writes index.html last, so a shell never names an asset that is not there yet. */
function writeShell(outDir: string, metafile: esbuild.Metafile): { script: string; style: string } {
  const script = outputOf(metafile, 'src/main.ts');
  const style = outputOf(metafile, 'styles.css');
  const html = fs
    .readFileSync(path.join(SOURCE, 'index.html'), 'utf8')
    .replace('%SCRIPT%', `/account/assets/${script}`)
    .replace('%STYLE%', `/account/assets/${style}`);
  const keep = new Set([script, style]);
  for (const file of fs.readdirSync(path.join(outDir, 'assets'))) if (!keep.has(file)) fs.rmSync(path.join(outDir, 'assets', file));
  fs.writeFileSync(path.join(outDir, 'index.html'), html);
  return { script, style };
}

/** Builds once; resolves with the script's gzipped size for the build log. */
export async function buildAccountPages(outDir = ACCOUNT_PAGES_OUT_DIR): Promise<{ script: string; gzippedBytes: number }> {
  let shell: { script: string; style: string } | undefined;
  await esbuild.build(buildOptions(outDir, (result) => void (shell = writeShell(outDir, result.metafile))));
  if (!shell) throw new Error('the account pages were not built');
  const gzippedBytes = gzipSync(fs.readFileSync(path.join(outDir, 'assets', shell.script))).length;
  return { script: shell.script, gzippedBytes };
}

/** Rebuilds on every change under web/account (and in @keyhold/client) until stopped. */
export async function watchAccountPages(log: (line: string) => void, outDir = ACCOUNT_PAGES_OUT_DIR): Promise<() => Promise<void>> {
  const context = await esbuild.context(
    buildOptions(outDir, (result) => {
      const { script } = writeShell(outDir, result.metafile);
      log(`account pages built: ${script}`);
    }),
  );
  await context.watch();
  return () => context.dispose();
}

if (require.main === module) {
  buildAccountPages().then(
    ({ script, gzippedBytes }) =>
      console.log(`account pages: dist/account-pages/assets/${script} (${(gzippedBytes / 1024).toFixed(1)} kB gzipped)`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
