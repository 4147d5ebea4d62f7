import type { Config } from '../../config/env';
import { AppError } from '../../errors/app-error';
import { logger } from '../../lib/logger';
import type { PasswordHasher } from '../../lib/password-hasher';
import { BUMP_CREDENTIAL_VERSION, UserModel } from './user.model';
import { emailSchema, passwordSchema } from '../../lib/common.schemas';
import type { AuditService } from '../audit';
import type { SessionService } from '../sessions';

export type SeedOutcome = 'created' | 'unchanged' | 'password_reset';

export interface SeedAdminDeps {
  hasher: PasswordHasher;
  passwordPolicy: Config['password'];
  sessions: Pick<SessionService, 'revokeAllUserSessions'>;
  audit: Pick<AuditService, 'record'>;
  now: () => Date;
}

/**
 * The address belongs to an account whose password seeding did not set (someone registered it, or
 * the admin changed it since): taking it over would hand the admin role to whoever holds that password.
 */
export class SeedRefusedError extends AppError {
  constructor(email: string) {
    super(
      409,
      'SEED_REFUSED',
      `${email} already belongs to an account whose password seeding did not set; it was left untouched. ` +
        'Use another ADMIN_EMAIL, or run `npm run seed:admin -- --reset-password` to set ADMIN_PASSWORD on it and end its sessions.',
    );
  }
}

function parseInput(input: { email: string; password: string }, policy: Config['password']) {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) throw new AppError(400, 'VALIDATION_FAILED', 'ADMIN_EMAIL is not a valid email address.');
  const password = passwordSchema(policy).safeParse(input.password);
  if (!password.success) {
    throw new AppError(400, 'VALIDATION_FAILED', `ADMIN_PASSWORD is too weak: ${password.error.issues[0]?.message ?? 'invalid'}.`);
  }
  return { email: email.data, password: password.data };
}

/**
 * Creates the admin account. An existing account is never promoted with a password seeding did not
 * set: an active admin whose hash verifies the password is left unchanged; anything else is refused
 * (SeedRefusedError) unless `resetPassword`, which sets the password, makes the account an active,
 * verified admin and ends every session it had. Each change is audited as `admin.seeded`.
 */
export async function seedAdmin(
  input: { email: string; password: string; resetPassword?: boolean },
  deps: SeedAdminDeps,
): Promise<{ outcome: SeedOutcome; userId: string; email: string }> {
  const { email, password } = parseInput(input, deps.passwordPolicy);
  const existing = await UserModel.findOne({ email }, { role: 1, status: 1, passwordHash: 1 }).lean();
  if (!existing) {
    const created = await UserModel.create({
      email,
      passwordHash: await deps.hasher.hash(password),
      role: 'admin',
      name: 'Administrator',
      emailVerified: true,
    });
    const userId = created.id as string;
    deps.audit.record({ type: 'admin.seeded', targetId: userId, details: { outcome: 'created' } });
    return { outcome: 'created', userId, email };
  }
  const userId = existing._id.toString();
  if (!input.resetPassword) {
    const isActiveAdmin = existing.role === 'admin' && existing.status === 'active';
    if (isActiveAdmin && existing.passwordHash && (await deps.hasher.verify(password, existing.passwordHash)))
      return { outcome: 'unchanged', userId, email };
    throw new SeedRefusedError(email);
  }
  const passwordHash = await deps.hasher.hash(password);
  await UserModel.updateOne(
    { _id: existing._id },
    {
      $set: { passwordHash, passwordChangedAt: deps.now(), role: 'admin', status: 'active', emailVerified: true },
      ...BUMP_CREDENTIAL_VERSION,
    },
  );
  const revokedSessions = await deps.sessions.revokeAllUserSessions(userId, 'admin_seeded');
  deps.audit.record({
    type: 'admin.seeded',
    targetId: userId,
    details: { outcome: 'password_reset', previousRole: existing.role, previousStatus: existing.status, revokedSessions },
  });
  return { outcome: 'password_reset', userId, email };
}

/**
 * Start-up seeding (SEED_ADMIN_ON_START): logs what it did, never the password. A refusal is logged
 * and the server starts anyway, so registering the admin's address first cannot keep it down.
 */
export async function seedAdminFromConfig(config: Config, deps: SeedAdminDeps): Promise<void> {
  if (!config.admin.email || !config.admin.password) {
    logger.warn('SEED_ADMIN_ON_START is set but ADMIN_EMAIL or ADMIN_PASSWORD is missing; no admin seeded');
    return;
  }
  try {
    const result = await seedAdmin({ email: config.admin.email, password: config.admin.password }, deps);
    logger.info(`admin seed: ${result.outcome}`, { email: result.email, userId: result.userId });
  } catch (error) {
    if (!(error instanceof SeedRefusedError)) throw error;
    logger.error(`admin seed refused: ${error.message}`);
  }
}
