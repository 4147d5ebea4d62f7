/**
 * Runs before `npm run dev` and `npm test` so that a fresh clone needs no separate install step:
 * installs the locked dependencies when node_modules is missing or older than package-lock.json.
 * Plain JavaScript on purpose: it must run before any dependency exists.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lockFile = path.join(root, 'package-lock.json');
const installedMarker = path.join(root, 'node_modules', '.package-lock.json');

function mtime(file) {
  return fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
}

if (mtime(installedMarker) < mtime(lockFile)) {
  process.stdout.write('[deps] installing locked dependencies (npm ci)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
