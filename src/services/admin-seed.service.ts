import type { Config } from '../config/env';
import { AppError } from '../errors/app-error';
import { logger } from '../lib/logger';
import type { PasswordHasher } from '../lib/password-hasher';
import { UserModel } from '../models/user.model';
import { emailSchema, passwordSchema } from '../schemas/common.schemas';

export type SeedOutcome = 'created' | 'promoted' | 'unchanged';

/**
 * Creates the admin account, or makes an existing account an active admin. Idempotent; an existing
 * password is never replaced, and a password shorter than the policy is refused.
 */
export async function seedAdmin(
  input: { email: string; password: string },
  deps: { hasher: PasswordHasher; passwordPolicy: Config['password'] },
): Promise<{ outcome: SeedOutcome; userId: string; email: string }> {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) throw new AppError(400, 'VALIDATION_FAILED', 'ADMIN_EMAIL is not a valid email address.');
  const password = passwordSchema(deps.passwordPolicy).safeParse(input.password);
  if (!password.success) {
    throw new AppError(400, 'VALIDATION_FAILED', `ADMIN_PASSWORD is too weak: ${password.error.issues[0]?.message ?? 'invalid'}.`);
  }
  const existing = await UserModel.findOne({ email: email.data }, { role: 1, status: 1 }).lean();
  if (existing) {
    if (existing.role === 'admin' && existing.status === 'active')
      return { outcome: 'unchanged', userId: existing._id.toString(), email: email.data };
    await UserModel.updateOne({ _id: existing._id }, { $set: { role: 'admin', status: 'active', emailVerified: true } });
    return { outcome: 'promoted', userId: existing._id.toString(), email: email.data };
  }
  const created = await UserModel.create({
    email: email.data,
    passwordHash: await deps.hasher.hash(password.data),
    role: 'admin',
    name: 'Administrator',
    // The operator chose this address: the admin must not be kept out by REQUIRE_VERIFIED_EMAIL.
    emailVerified: true,
  });
  return { outcome: 'created', userId: created.id as string, email: email.data };
}

/** Start-up seeding (SEED_ADMIN_ON_START): logs what it did and never logs the password. */
export async function seedAdminFromConfig(config: Config, hasher: PasswordHasher): Promise<void> {
  if (!config.admin.email || !config.admin.password) {
    logger.warn('SEED_ADMIN_ON_START is set but ADMIN_EMAIL or ADMIN_PASSWORD is missing; no admin seeded');
    return;
  }
  const result = await seedAdmin(
    { email: config.admin.email, password: config.admin.password },
    { hasher, passwordPolicy: config.password },
  );
  logger.info(`admin seed: ${result.outcome}`, { email: result.email, userId: result.userId });
}
