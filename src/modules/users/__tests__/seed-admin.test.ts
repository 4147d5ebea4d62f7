import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { AuditEventModel } from '../../audit/audit-event.model';
import { SessionModel } from '../../sessions/session.model';
import { UserModel } from '../user.model';
import { seedAdmin, seedAdminFromConfig } from '../admin-seed.service';
import { testDatabaseUri } from '../../../../tests/support/database';
import { buildTestConfig, TEST_ENV, useTestApp } from '../../../../tests/support/context';
import { buildUser, loginAs, uniqueEmail } from '../../../../tests/support/factories';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');
const ADMIN_PASSWORD = 'a strong admin password';
// Each CLI run starts tsx and a hashing worker: seconds apiece on a busy machine.
const CLI_TIMEOUT_MS = 120_000;

describe('admin seed', () => {
  const ctx = useTestApp();

  const deps = () => ({
    hasher: ctx.container.hasher,
    passwordPolicy: ctx.config.password,
    sessions: ctx.container.services.sessions,
    audit: ctx.container.services.audit,
    now: ctx.container.now,
  });

  async function seededEvents(userId: string) {
    await ctx.container.services.audit.flush();
    return AuditEventModel.find({ type: 'admin.seeded', targetId: userId }).lean();
  }

  const storedUser = (id: string) => UserModel.findById(id).select('+passwordHash').lean();

  it('when run twice, then the admin is created once, verified and audited, then left unchanged', async () => {
    const first = await seedAdmin({ email: 'Root@Example.test', password: ADMIN_PASSWORD }, deps());
    const stored = await storedUser(first.userId);
    const second = await seedAdmin({ email: 'root@example.test', password: ADMIN_PASSWORD }, deps());

    expect(first.outcome).toBe('created');
    expect(second).toEqual({ outcome: 'unchanged', userId: first.userId, email: 'root@example.test' });
    expect(await storedUser(first.userId)).toEqual(stored);
    expect(stored).toMatchObject({ role: 'admin', status: 'active', emailVerified: true });
    expect((await seededEvents(first.userId)).map((event) => event.details)).toEqual([{ outcome: 'created' }]);
  });

  it('when someone registered the address first, then seeding refuses and the account keeps its role and password', async () => {
    const email = uniqueEmail('squatter');
    await request(ctx.app).post('/api/v1/auth/register').send({ email, password: 'the squatters own password' }).expect(201);
    const before = await UserModel.findOne({ email }).select('+passwordHash').lean();

    await expect(seedAdmin({ email, password: ADMIN_PASSWORD }, deps())).rejects.toMatchObject({ code: 'SEED_REFUSED' });

    expect(await storedUser(before!._id.toString())).toEqual(before);
    expect(before).toMatchObject({ role: 'user' });
    expect(await seededEvents(before!._id.toString())).toEqual([]);
  });

  it('when the account is a disabled user, then seeding refuses instead of enabling and promoting it', async () => {
    const user = await buildUser(ctx.container, { status: 'disabled', password: ADMIN_PASSWORD });

    await expect(seedAdmin({ email: user.email, password: ADMIN_PASSWORD }, deps())).rejects.toMatchObject({ code: 'SEED_REFUSED' });

    expect(await storedUser(user.id)).toMatchObject({ role: 'user', status: 'disabled' });
  });

  it('when the admin changed their password since, then seeding refuses and changes nothing', async () => {
    const admin = await buildUser(ctx.container, { role: 'admin', password: 'the admins newer password' });
    const before = await storedUser(admin.id);

    await expect(seedAdmin({ email: admin.email, password: ADMIN_PASSWORD }, deps())).rejects.toMatchObject({ code: 'SEED_REFUSED' });

    expect(await storedUser(admin.id)).toEqual(before);
  });

  it('when --reset-password is given, then the password is set, the account becomes an active admin, its sessions end, and it is audited', async () => {
    const user = await buildUser(ctx.container, { status: 'disabled' });
    await UserModel.updateOne({ _id: user.id }, { $set: { status: 'active' } });
    const signedIn = await loginAs(ctx.app, user);
    await UserModel.updateOne({ _id: user.id }, { $set: { status: 'disabled' } });

    const result = await seedAdmin({ email: user.email, password: ADMIN_PASSWORD, resetPassword: true }, deps());

    expect(result.outcome).toBe('password_reset');
    const stored = await storedUser(user.id);
    expect(stored).toMatchObject({ role: 'admin', status: 'active', emailVerified: true });
    expect(await ctx.container.hasher.verify(ADMIN_PASSWORD, stored!.passwordHash!)).toBe(true);
    expect(await SessionModel.countDocuments({ userId: user.id, revokedAt: null })).toBe(0);
    await request(ctx.app).get('/api/v1/me').set('Authorization', `Bearer ${signedIn.accessToken}`).expect(401);
    await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: user.password }).expect(401);
    await request(ctx.app).post('/api/v1/auth/login').send({ email: user.email, password: ADMIN_PASSWORD }).expect(200);
    expect((await seededEvents(user.id)).map((event) => event.details)).toEqual([
      { outcome: 'password_reset', previousRole: 'user', previousStatus: 'disabled', revokedSessions: 1 },
    ]);
  });

  it('when start-up seeding meets a registered address, then it logs the refusal and lets the server start', async () => {
    const user = await buildUser(ctx.container);
    const config = buildTestConfig({ ADMIN_EMAIL: user.email, ADMIN_PASSWORD, SEED_ADMIN_ON_START: 'true' });

    await expect(seedAdminFromConfig(config, deps())).resolves.toBeUndefined();

    expect(await storedUser(user.id)).toMatchObject({ role: 'user' });
  });

  it('when the password is weak, then it is refused and nothing is written', async () => {
    await expect(seedAdmin({ email: 'weak@example.test', password: 'short' }, deps())).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await UserModel.countDocuments({ email: 'weak@example.test' })).toBe(0);
  });

  describe('npm run seed:admin', () => {
    const env = {
      ...process.env,
      ...TEST_ENV,
      MONGODB_URI: `${testDatabaseUri().replace(/\/$/, '')}/keyhold_seed_cli`,
      ADMIN_EMAIL: 'cli@example.test',
      ADMIN_PASSWORD,
    };
    const seed = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'scripts/seed-admin.ts', ...args], { cwd: ROOT, env });

    it(
      'when run twice with ADMIN_EMAIL and ADMIN_PASSWORD, then it prints what it did and never the password',
      async () => {
        const first = await seed();
        const second = await seed();

        expect(first.stdout).toMatch(/admin cli@example\.test: created \(id [a-f0-9]{24}\)/);
        expect(second.stdout).toMatch(/admin cli@example\.test: unchanged/);
        expect(first.stdout + first.stderr + second.stdout + second.stderr).not.toContain(ADMIN_PASSWORD);
      },
      CLI_TIMEOUT_MS,
    );

    it(
      'when the account has another password, then it exits non-zero with a clear message, and --reset-password takes it over',
      async () => {
        await seed('--email', 'other@example.test');
        const changed = { ...env, ADMIN_PASSWORD: 'another strong password' };
        const seedChanged = (...args: string[]) =>
          run(process.execPath, ['--import', 'tsx', 'scripts/seed-admin.ts', '--email', 'other@example.test', ...args], {
            cwd: ROOT,
            env: changed,
          });

        const failure = await seedChanged().catch((error: { code: number; stderr: string }) => error);
        const reset = await seedChanged('--reset-password');

        expect(failure).toMatchObject({ code: 1, stderr: expect.stringMatching(/seeding did not set.*--reset-password/s) });
        expect(reset.stdout).toMatch(/admin other@example\.test: password_reset/);
        expect(reset.stdout + reset.stderr).not.toContain('another strong password');
      },
      CLI_TIMEOUT_MS,
    );
  });
});
