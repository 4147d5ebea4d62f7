import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mongoose from 'mongoose';
import { withDatabaseName } from '../../scripts/lib/processes';
import { EXAMPLE_JWT_SECRET } from '../../src/config/env';
import { TEST_ENV, useTestApp } from '../support/context';
import { testDatabaseUri } from '../support/database';

const ROOT = path.resolve(__dirname, '../..');
const STRONG_SECRET = 'a-real-deployment-would-use-openssl-rand-output-0123';

/** Starts the real entry point with exactly this environment and waits for it to exit. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', MONGODB_URI: 'mongodb://127.0.0.1:9/keyhold', LOG_LEVEL: 'silent', PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('start-up refuses configurations that would be unsafe to serve', () => {
  it.each([
    ['development', { NODE_ENV: 'development', JWT_SECRET: EXAMPLE_JWT_SECRET }, [/JWT_SECRET: this is a published example value/]],
    [
      'production',
      { NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, JWT_PREVIOUS_SECRET: EXAMPLE_JWT_SECRET, TRUST_PROXY: 'true' },
      [/JWT_PREVIOUS_SECRET: this is a published example/, /TRUST_PROXY: .*number of proxies/],
    ],
  ])(
    'when NODE_ENV=%s and %j, then the server exits 1 naming every bad variable, before serving anything',
    async (_env, env, messages) => {
      const { code, stderr } = await runServer(env);
      expect(code).toBe(1);
      for (const message of messages) expect(stderr).toMatch(message);
      expect(stderr).not.toContain(EXAMPLE_JWT_SECRET);
    },
    30_000,
  );
});

describe('start-up refuses a signing key ring it cannot open', () => {
  const ctx = useTestApp();

  it('when DATA_ENCRYPTION_KEY is not the key the ring was sealed with, then the server exits 1 naming the key ring, before serving', async () => {
    await ctx.container.keyRing.ensureLoaded();

    const { code, stderr } = await runServer({
      NODE_ENV: 'test',
      JWT_SECRET: TEST_ENV.JWT_SECRET!,
      MONGODB_URI: withDatabaseName(testDatabaseUri(), mongoose.connection.name),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    });

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /signing key ring cannot be decrypted: key [A-Za-z0-9_-]{43} opens with neither DATA_ENCRYPTION_KEY nor DATA_ENCRYPTION_PREVIOUS_KEY/,
    );
  }, 30_000);
});
