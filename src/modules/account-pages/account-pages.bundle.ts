import fs from 'node:fs';
import path from 'node:path';

/** Where `npm run build:pages` writes the bundle, relative to the package root. */
export const BUNDLE_SUBDIR = path.join('dist', 'account-pages');

/** The built pages: one HTML shell for every page, and assets whose names carry their content hash. */
export interface PagesBundle {
  html: string;
  assetsDir: string;
  assets: ReadonlySet<string>;
}

/**
 * The repository (or the image's /app): this file runs as src/modules/account-pages/ under tsx and jest,
 * and as dist/src/modules/account-pages/ once compiled.
 */
function packageRoot(): string {
  const above = path.resolve(__dirname, '../../..');
  return path.basename(above) === 'dist' ? path.dirname(above) : above;
}

export function defaultBundleDir(): string {
  return path.join(packageRoot(), BUNDLE_SUBDIR);
}

/** Reads the bundle once; null when it was never built (the pages then say so instead of serving a blank). */
export function loadPagesBundle(dir: string): PagesBundle | null {
  const htmlFile = path.join(dir, 'index.html');
  if (!fs.existsSync(htmlFile)) return null;
  const assetsDir = path.join(dir, 'assets');
  return { html: fs.readFileSync(htmlFile, 'utf8'), assetsDir, assets: new Set(fs.readdirSync(assetsDir)) };
}
