/**
 * What `npm run dev` leaves for the scripts beside it (`npm run seed:admin`): where its data lives,
 * its generated JWT secret and, while it runs, the database it provisioned.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The auth routes allow 30 requests a minute per address by default; a developer rerunning the Postman
 * collection or a frontend's sign-in flow needs more. Development only: production keeps the default.
 */
export const DEV_AUTH_RATE_LIMIT_MAX = '300';

/** Everything dev keeps; DEV_DATA_DIR moves it (tests run dev in a folder of their own). */
export function devDataDir(): string {
  return path.resolve(ROOT, process.env.DEV_DATA_DIR ?? '.data');
}

export const devPaths = () => {
  const dir = devDataDir();
  return { dir, database: path.join(dir, 'db'), secret: path.join(dir, 'dev-jwt-secret'), state: path.join(dir, 'dev-state.json') };
};

export interface DevState {
  /** The dev launcher's process id: the state is stale once that process is gone. */
  pid: number;
  mongodbUri: string;
  databaseKind: string;
  url: string;
}

export function writeDevState(state: DevState): void {
  fs.writeFileSync(devPaths().state, JSON.stringify(state), { mode: 0o600 });
}

export function removeDevState(): void {
  fs.rmSync(devPaths().state, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running dev launcher's state, or null when dev is not running. */
export function readDevState(): DevState | null {
  const file = devPaths().state;
  if (!fs.existsSync(file)) return null;
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as DevState;
  return isAlive(state.pid) ? state : null;
}

/** The development JWT secret dev generated, if it did. */
export function readDevSecret(): string | undefined {
  const file = devPaths().secret;
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}
