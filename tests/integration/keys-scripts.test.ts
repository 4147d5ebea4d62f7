import { spawn } from 'node:child_process';
import path from 'node:path';
import mongoose from 'mongoose';
import { withDatabaseName } from '../../scripts/lib/processes';
import { AuditEventModel } from '../../src/modules/audit/audit-event.model';
import { SigningKeyRingModel } from '../../src/modules/keys/signing-key-ring.model';
import { TEST_ENV, useTestApp } from '../support/context';
import { testDatabaseUri } from '../support/database';

const ROOT = path.resolve(__dirname, '../..');

/** Runs `scripts/keys.ts` as an operator would (`npm run keys:*`), against this test's database. */
function runKeys(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        JWT_SECRET: TEST_ENV.JWT_SECRET!,
        DATA_ENCRYPTION_KEY: TEST_ENV.DATA_ENCRYPTION_KEY!,
        MONGODB_URI: withDatabaseName(testDatabaseUri(), mongoose.connection.name),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const ringKeys = async () => (await SigningKeyRingModel.findById('access-tokens').lean())!.keys;

describe('npm run keys:list, keys:rotate, keys:revoke', () => {
  const ctx = useTestApp();

  it('when an operator lists, rotates now and revokes, then the ring changes as the admin API would change it, audited', async () => {
    await ctx.container.keyRing.ensureLoaded();
    const [first] = await ringKeys();

    const listed = await runKeys(['list']);
    const rotated = await runKeys(['rotate', '--now']);
    const afterRotation = await ringKeys();
    const revoked = await runKeys(['revoke', first!.kid]);
    const afterRevocation = await ringKeys();

    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(listed.stdout).toContain(`${first!.kid}  ES256  current`);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^now signing with [A-Za-z0-9_-]{43}$/m);
    expect(afterRotation.filter((key) => key.state === 'current')).toHaveLength(1);
    expect(afterRotation.find((key) => key.kid === first!.kid)!.state).toBe('retired');
    expect([revoked.code, revoked.stdout]).toEqual([0, expect.stringContaining(`revoked ${first!.kid}`)]);
    expect(afterRevocation.map((key) => key.kid)).not.toContain(first!.kid);
    expect(await AuditEventModel.countDocuments({ type: 'key.revoked', 'details.kid': first!.kid })).toBe(1);
  }, 60_000);

  it('when the kid to revoke starts with a dash (base64url), then it is taken as the kid, not as an option', async () => {
    await ctx.container.keyRing.ensureLoaded();
    const kid = '-R5fnk8mXBqCLFzNwpE26etSTOYkjT9nmzhwRcVDpBE';

    const [direct, separated] = [await runKeys(['revoke', kid]), await runKeys(['revoke', '--', kid])];

    for (const run of [direct, separated]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('keys failed: No such signing key.\n');
    }
  }, 60_000);

  it('when the command or the kid is missing, then it exits 1 with the usage', async () => {
    const missing = await runKeys(['revoke']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('usage: keys list | keys rotate [--now] | keys revoke <kid>');
  }, 30_000);
});
