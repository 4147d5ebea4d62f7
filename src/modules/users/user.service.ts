import { Types } from 'mongoose';
import type { Role } from '../../config/roles';
import { ConflictError, NotFoundError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { Clock } from '../../lib/clock';
import { countMatching, paginate, type Page, type PageRequest } from '../../lib/pagination';
import type { PasswordHasher } from '../../lib/password-hasher';
import { createTurnSharedReads } from '../../lib/turn-shared-reads';
import type { AuditService } from '../audit';
import { type SessionService, type SessionView, toSessionView } from '../sessions';
import type { AuthContext } from './caller';
import type { LockService } from './lock.service';
import type { PasswordPolicy } from './password-policy';
import type { UserRecords } from './user-records.service';
import { BUMP_CREDENTIAL_VERSION, UserModel, type UserStatus } from './user.model';
import { toUserView, USER_VIEW_PROJECTION, type UserFields, type UserView } from './user.view';

export const USER_SORTS = ['createdAt', '-createdAt', 'email', '-email', 'name', '-name', 'lastLoginAt', '-lastLoginAt'] as const;
export type UserSort = (typeof USER_SORTS)[number];

export interface UserFilter {
  role?: Role;
  status?: UserStatus;
  q?: string;
}

const ADMIN_ROSTER_LOCK = 'admin-roster';

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What the caller presents to prove it is still the account's owner. */
export interface IdentityProof {
  password: string;
  code?: string;
}

/** Re-authentication before sensitive changes (the mfa module's, wired by container.ts). */
export interface Reauthentication {
  confirmPassword(auth: AuthContext, password: string, client: ClientInfo): Promise<unknown>;
  confirmIdentity(auth: AuthContext, proof: IdentityProof, client: ClientInfo): Promise<unknown>;
}

/** The mailed links a credential change voids (the account-recovery module's, wired by container.ts). */
export interface MailedLinks {
  voidPasswordResets(userId: string): Promise<unknown>;
  voidPendingEmailChanges(userId: string): Promise<number>;
}

export type UserService = ReturnType<typeof createUserService>;

/** Accounts: self-service and administration. */
export function createUserService(deps: {
  now: Clock;
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  sessions: SessionService;
  audit: AuditService;
  locks: LockService;
  records: UserRecords;
  reauth: Reauthentication;
  /** Forgets an address's login failures (the auth module's throttle, wired by container.ts). */
  clearLoginFailures: (email: string) => Promise<void>;
  mailedLinks: MailedLinks;
  /** Deletes what other capabilities keep about a deleted account (mail records, tokens, throttling state). */
  forgetAccount: (account: { id: string; email: string }) => Promise<void>;
}) {
  const { sessions, audit } = deps;
  const sharedUserPages = createTurnSharedReads<Page<UserView>>();

  async function findUser(userId: string): Promise<UserFields> {
    const user = Types.ObjectId.isValid(userId) ? await UserModel.findById(userId, USER_VIEW_PROJECTION).lean<UserFields>() : null;
    if (!user) throw new NotFoundError('No such user.');
    return user;
  }

  /**
   * Runs a change that could remove an active admin (demote, disable, delete) so that one always
   * remains. `change(filter)` writes the target only if it matches `filter`, and answers null when it
   * did not. The change is first tried on the condition that the target is not an active admin, which
   * is atomic and needs no lock; only for an active admin is the roster lock taken and the count checked.
   */
  async function guardLastAdmin<T>(targetId: string, change: (filter: Record<string, unknown>) => Promise<T | null>): Promise<T | null> {
    const unguarded = await change({ _id: targetId, $or: [{ role: { $ne: 'admin' } }, { status: { $ne: 'active' } }] });
    if (unguarded !== null) return unguarded;
    return deps.locks.withLock(ADMIN_ROSTER_LOCK, async (lease) => {
      const target = await UserModel.findById(targetId, { role: 1, status: 1 }).lean();
      if (target?.role === 'admin' && target.status === 'active') {
        const activeAdmins = await UserModel.countDocuments({ role: 'admin', status: 'active' });
        if (activeAdmins <= 1) throw new ConflictError('LAST_ADMIN', 'This would leave no active admin.');
      }
      await lease.assertHeld();
      return change({ _id: targetId });
    });
  }

  /**
   * Removes the user matching `filter`, then their sessions, refresh tokens and every other document
   * that names them (only the audit trail keeps the id); null when none matched. Once the user is gone
   * no token of theirs passes the session check, so an interruption after that leaves only unusable
   * documents, which the sweeps remove.
   */
  async function removeUser(filter: Record<string, unknown>): Promise<true | null> {
    const user = await UserModel.findOneAndDelete(filter, { projection: { _id: 1, email: 1 } }).lean();
    if (!user) return null;
    const userId = user._id.toString();
    await sessions.revokeAllUserSessions(userId, 'user_deleted');
    await sessions.deleteUserSessions(userId);
    await deps.forgetAccount({ id: userId, email: user.email });
    return true;
  }

  /** Writes `update` (and `operators`) to the user matching `filter`; the updated view, or null when none matched. */
  function updateUser(update: Record<string, unknown>, operators: Record<string, unknown> = {}) {
    return (filter: Record<string, unknown>) =>
      UserModel.findOneAndUpdate(
        filter,
        { $set: update, ...operators },
        { new: true, projection: USER_VIEW_PROJECTION },
      ).lean<UserFields>();
  }

  /** The caller as the authentication check just read them. */
  function getProfile(auth: AuthContext): { user: UserView; session: SessionView } {
    return { user: toUserView(auth.user), session: toSessionView(auth.session, auth.sessionId) };
  }

  async function updateProfile(auth: AuthContext, changes: { name: string | null }, client: ClientInfo): Promise<UserView> {
    const user = await UserModel.findByIdAndUpdate(
      auth.userId,
      { $set: { name: changes.name } },
      { new: true, projection: USER_VIEW_PROJECTION },
    ).lean<UserFields>();
    if (!user) throw new NotFoundError('No such user.');
    audit.record({
      type: 'user.updated',
      actorId: auth.userId,
      targetId: auth.userId,
      sessionId: auth.sessionId,
      ip: client.ip,
      details: { fields: ['name'] },
    });
    return toUserView(user);
  }

  /** Checks the current password, stores the new one and ends every other session. */
  async function changePassword(
    auth: AuthContext,
    input: { currentPassword: string; newPassword: string },
    client: ClientInfo,
  ): Promise<void> {
    if (!(await deps.records.hasPassword(auth.userId))) {
      throw new ConflictError('PASSWORD_NOT_SET', 'This account has no password to change; set one through "forgot password".');
    }
    deps.passwordPolicy.assertAcceptable(input.newPassword, auth.user, 'newPassword');
    await deps.reauth.confirmPassword(auth, input.currentPassword, client);
    const passwordHash = await deps.hasher.hash(input.newPassword);
    const credentialVersion = await deps.records.setPassword(auth.userId, passwordHash);
    if (credentialVersion === null) throw new NotFoundError('No such user.');
    await sessions.adoptCredentialVersion(auth.sessionId, credentialVersion);
    const revoked = await sessions.revokeAllUserSessions(auth.userId, 'password_changed', auth.sessionId);
    await deps.mailedLinks.voidPasswordResets(auth.userId);
    const voidedEmailChanges = await deps.mailedLinks.voidPendingEmailChanges(auth.userId);
    audit.record({
      type: 'user.password_changed',
      actorId: auth.userId,
      targetId: auth.userId,
      sessionId: auth.sessionId,
      ip: client.ip,
      details: { revokedSessions: revoked, voidedEmailChanges },
    });
  }

  /** Deletes the caller's own account after the password (and the code, with MFA) is confirmed. */
  async function deleteOwnAccount(auth: AuthContext, proof: IdentityProof, client: ClientInfo): Promise<void> {
    await deps.reauth.confirmIdentity(auth, proof, client);
    await guardLastAdmin(auth.userId, removeUser);
    audit.record({ type: 'user.deleted', actorId: auth.userId, targetId: auth.userId, ip: client.ip, details: { self: true } });
  }

  async function revokeOwnSession(auth: AuthContext, sessionId: string, client: ClientInfo): Promise<void> {
    await sessions.revokeUserSession(auth.userId, sessionId, 'revoked_by_user');
    audit.record({ type: 'session.revoked', actorId: auth.userId, targetId: auth.userId, sessionId, ip: client.ip });
  }

  /**
   * A page of users, filtered and sorted by whitelisted fields, never with secrets. Creation order is
   * `_id` order (an ObjectId starts with its creation time), so the default newest-first list walks
   * the `_id` index on MongoDB with nothing to sort; identical lists requested together share one query.
   */
  async function listUsers(filter: UserFilter, page: PageRequest, sort: UserSort): Promise<Page<UserView>> {
    const query: Record<string, unknown> = {};
    if (filter.role) query.role = filter.role;
    if (filter.status) query.status = filter.status;
    if (filter.q) {
      const prefix = escapeRegex(filter.q);
      query.$or = [{ email: { $regex: `^${escapeRegex(filter.q.toLowerCase())}` } }, { name: { $regex: `^${prefix}`, $options: 'i' } }];
    }
    const field = sort.replace(/^-/, '');
    const direction = sort.startsWith('-') ? -1 : 1;
    const order: Record<string, 1 | -1> = field === 'createdAt' ? { _id: direction } : { [field]: direction, _id: direction };
    return sharedUserPages(JSON.stringify([query, order, page.page, page.limit]), async () => {
      const [users, total] = await Promise.all([
        UserModel.find(query, USER_VIEW_PROJECTION)
          .sort(order)
          .skip((page.page - 1) * page.limit)
          .limit(page.limit)
          .lean<UserFields[]>(),
        countMatching(UserModel, query),
      ]);
      return paginate(users.map(toUserView), total, page);
    });
  }

  async function getUser(userId: string): Promise<UserView> {
    return toUserView(await findUser(userId));
  }

  async function changeRole(actor: AuthContext, userId: string, role: Role, client: ClientInfo): Promise<UserView> {
    const before = await findUser(userId);
    const updated = role === 'admin' ? await updateUser({ role })({ _id: userId }) : await guardLastAdmin(userId, updateUser({ role }));
    if (!updated) throw new NotFoundError('No such user.');
    audit.record({
      type: 'user.role_changed',
      actorId: actor.userId,
      targetId: userId,
      sessionId: actor.sessionId,
      ip: client.ip,
      details: { from: before.role, to: role },
    });
    return toUserView(updated);
  }

  /** Enables or disables an account; disabling ends every session of it at once and voids its pending address changes. */
  async function changeStatus(actor: AuthContext, userId: string, status: UserStatus, client: ClientInfo): Promise<UserView> {
    const before = await findUser(userId);
    // Disabling also ends, in the same write, any session a login racing it opens (see BUMP_CREDENTIAL_VERSION).
    const updated =
      status === 'disabled'
        ? await guardLastAdmin(userId, updateUser({ status }, BUMP_CREDENTIAL_VERSION))
        : await updateUser({ status })({ _id: userId });
    if (!updated) throw new NotFoundError('No such user.');
    const disabled = status === 'disabled';
    const revokedSessions = disabled ? await sessions.revokeAllUserSessions(userId, 'user_disabled') : 0;
    const voidedEmailChanges = disabled ? await deps.mailedLinks.voidPendingEmailChanges(userId) : 0;
    audit.record({
      type: 'user.status_changed',
      actorId: actor.userId,
      targetId: userId,
      sessionId: actor.sessionId,
      ip: client.ip,
      details: { from: before.status, to: status, revokedSessions, voidedEmailChanges },
    });
    return toUserView(updated);
  }

  async function deleteUser(actor: AuthContext, userId: string, client: ClientInfo): Promise<void> {
    await findUser(userId);
    await guardLastAdmin(userId, removeUser);
    audit.record({ type: 'user.deleted', actorId: actor.userId, targetId: userId, sessionId: actor.sessionId, ip: client.ip });
  }

  async function listUserSessions(userId: string, auth: AuthContext): Promise<SessionView[]> {
    await findUser(userId);
    return sessions.listActiveSessions(userId, auth.sessionId);
  }

  async function revokeUserSessions(actor: AuthContext, userId: string, client: ClientInfo): Promise<void> {
    await findUser(userId);
    const count = await sessions.revokeAllUserSessions(userId, 'revoked_by_admin');
    const voidedEmailChanges = await deps.mailedLinks.voidPendingEmailChanges(userId);
    audit.record({
      type: 'session.revoked',
      actorId: actor.userId,
      targetId: userId,
      sessionId: actor.sessionId,
      ip: client.ip,
      details: { all: true, sessions: count, voidedEmailChanges },
    });
  }

  /** Clears a user's login failures (an admin unlocking a locked account). */
  async function unlockAccount(actor: AuthContext, userId: string, client: ClientInfo): Promise<void> {
    const user = await findUser(userId);
    await deps.clearLoginFailures(user.email);
    audit.record({ type: 'user.unlocked', actorId: actor.userId, targetId: userId, sessionId: actor.sessionId, ip: client.ip });
  }

  return {
    unlockAccount,
    getProfile,
    updateProfile,
    changePassword,
    deleteOwnAccount,
    revokeOwnSession,
    listUsers,
    getUser,
    changeRole,
    changeStatus,
    deleteUser,
    listUserSessions,
    revokeUserSessions,
  };
}
