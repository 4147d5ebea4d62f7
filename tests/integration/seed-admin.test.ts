import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserModel } from '../../src/models/user.model';
import { seedAdmin } from '../../src/services/admin-seed.service';
import { testDatabaseUri } from '../support/database';
import { TEST_ENV, useTestApp } from '../support/context';
import { buildUser } from '../support/factories';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

describe('admin seed', () => {
  const ctx = useTestApp();

  const deps = () => ({ hasher: ctx.container.hasher, passwordPolicy: ctx.config.password });

  it('when run twice, then the admin is created once and then left unchanged', async () => {
    const first = await seedAdmin({ email: 'Root@Example.test', password: 'a strong admin password' }, deps());
    const second = await seedAdmin({ email: 'root@example.test', password: 'a strong admin password' }, deps());

    expect(first.outcome).toBe('created');
    expect(second).toEqual({ outcome: 'unchanged', userId: first.userId, email: 'root@example.test' });
    expect(await UserModel.countDocuments({ email: 'root@example.test', role: 'admin', status: 'active' })).toBe(1);
  });

  it('when the account exists as a disabled user, then it is promoted and enabled, keeping its password', async () => {
    const user = await buildUser(ctx.container, { status: 'disabled' });
    const before = await UserModel.findById(user.id).select('+passwordHash').lean();

    const result = await seedAdmin({ email: user.email, password: 'a strong admin password' }, deps());

    expect(result.outcome).toBe('promoted');
    const after = await UserModel.findById(user.id).select('+passwordHash').lean();
    expect(after).toMatchObject({ role: 'admin', status: 'active', passwordHash: before?.passwordHash });
  });

  it('when the password is weak, then it is refused and nothing is written', async () => {
    await expect(seedAdmin({ email: 'weak@example.test', password: 'short' }, deps())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await UserModel.countDocuments({ email: 'weak@example.test' })).toBe(0);
  });

  it('when `npm run seed:admin` runs with flags, then it prints what it did and never the password', async () => {
    const env = { ...process.env, ...TEST_ENV, MONGODB_URI: `${testDatabaseUri().replace(/\/$/, '')}/keyhold_seed_cli` };
    const args = ['--import', 'tsx', 'scripts/seed-admin.ts', '--email', 'cli@example.test', '--password', 'a strong admin password'];

    const first = await run(process.execPath, args, { cwd: ROOT, env });
    const second = await run(process.execPath, args, { cwd: ROOT, env });

    expect(first.stdout).toMatch(/admin cli@example\.test: created \(id [a-f0-9]{24}\)/);
    expect(second.stdout).toMatch(/admin cli@example\.test: unchanged/);
    expect(first.stdout + first.stderr + second.stdout).not.toContain('a strong admin password');
  });
});
