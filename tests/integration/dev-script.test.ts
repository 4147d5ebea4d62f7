import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from '../../scripts/lib/processes';

/*
 * `npm run dev` as a newcomer runs it: no MONGODB_URI, no JWT_SECRET, its own data folder. The
 * launcher is started in a process group of its own and stopped the way a terminal's Ctrl-C stops
 * it: SIGINT to the whole group at once.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const READY_TIMEOUT_MS = 90_000;
const ADMIN = { email: 'admin@dev.example.test', password: 'a strong admin password' };

interface DevRun {
  child: ChildProcess;
  output: () => string;
}

function baseEnv(dataDir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, DEV_DATA_DIR: dataDir };
}

async function startDev(dataDir: string, port: number): Promise<DevRun> {
  const env = {
    ...baseEnv(dataDir),
    // The run already knows whether a real mongod can be had here; dev need not find out again.
    DEV_DATABASE: process.env.KEYHOLD_TEST_DB_KIND === 'mongo-java-server' ? 'mongo-java-server' : 'auto',
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    BCRYPT_COST: '4',
    LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/\[dev\] ready: /.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm run dev did not get ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output };
}

/** What a terminal's Ctrl-C does: SIGINT to every process of the foreground group at once. */
function interruptGroup(dev: DevRun): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => dev.child.once('exit', (code) => resolve(code)));
  process.kill(-dev.child.pid!, 'SIGINT');
  return exited;
}

async function post(port: number, route: string, body: object): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status;
}

describe('npm run dev', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyhold-dev-'));
  let dev: DevRun | undefined;

  afterAll(async () => {
    if (dev?.child.exitCode === null) await interruptGroup(dev);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    'when a newcomer seeds an admin beside it, registers and presses Ctrl-C at once, then after a restart both accounts are there',
    async () => {
      const port = await findFreePort();
      dev = await startDev(dataDir, port);
      expect(dev.output()).toMatch(
        new RegExp(
          `\\[dev\\] ready: http://localhost:${port}  account http://localhost:${port}/account/  docs http://localhost:${port}/docs  database (mongodb-memory-server|mongo-java-server)  data `,
        ),
      );

      const seeded = await run(process.execPath, ['--import', 'tsx', 'scripts/seed-admin.ts'], {
        cwd: ROOT,
        env: { ...baseEnv(dataDir), ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password },
      });
      expect(seeded.stdout).toMatch(/admin admin@dev\.example\.test: created/);
      expect(seeded.stdout + seeded.stderr).not.toContain(ADMIN.password);
      expect(await post(port, '/api/v1/auth/login', ADMIN)).toBe(200);

      const registrant = { email: 'newcomer@dev.example.test', password: 'registered just before ctrl-c' };
      expect(await post(port, '/api/v1/auth/register', registrant)).toBe(201);
      expect(await interruptGroup(dev)).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'dev-state.json'))).toBe(false);

      dev = await startDev(dataDir, port);
      expect(await post(port, '/api/v1/auth/login', registrant)).toBe(200);
      expect(await post(port, '/api/v1/auth/login', ADMIN)).toBe(200);
      expect(await interruptGroup(dev)).toBe(0);
    },
    4 * READY_TIMEOUT_MS,
  );
});
