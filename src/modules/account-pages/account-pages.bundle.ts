import fs from 'node:fs';
import path from 'node:path';

/** Where `npm run build:pages` writes the bundle, relative to the package root (the folder with package.json). */
export const BUNDLE_SUBDIR = path.join('dist', 'account-pages');

/** The built pages: one HTML shell for every page, and assets whose names carry their content hash. */
export interface PagesBundle {
  html: string;
  assetsDir: string;
  assets: ReadonlySet<string>;
}

/** The nearest folder above `from` holding package.json: the repository in development, /app in the image. */
function packageRootOf(from: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
  return dir;
}

export function defaultBundleDir(): string {
  return path.join(packageRootOf(__dirname), BUNDLE_SUBDIR);
}

/** Reads the bundle once; null when it was never built (the pages then say so instead of serving a blank). */
export function loadPagesBundle(dir: string): PagesBundle | null {
  const htmlFile = path.join(dir, 'index.html');
  if (!fs.existsSync(htmlFile)) return null;
  const assetsDir = path.join(dir, 'assets');
  return { html: fs.readFileSync(htmlFile, 'utf8'), assetsDir, assets: new Set(fs.readdirSync(assetsDir)) };
}
