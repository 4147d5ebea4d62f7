import { ConflictError, ForbiddenError, NotFoundError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { AuditService } from '../audit';
import type { SessionService } from '../sessions';
import type { AuthContext, UserRecords } from '../users';
import type { PasskeyChallengeService } from './passkey-challenge.service';
import { recipientOf, type PasskeyNotifier } from './passkey-notifier';
import type { PasskeyStore } from './passkey-store';
import { toPasskeyView, type PasskeyView } from './passkey.view';

/** Runs a task under a lease shared by every instance (the users module's lock service). */
export type WithLock = <T>(name: string, task: (lease: { assertHeld(): Promise<void> }) => Promise<T>) => Promise<T>;

/**
 * How many ways other than passkeys could sign in to an account (its password, its linked identity
 * providers). container.ts passes it in.
 */
export type OtherSignInMethods = (userId: string) => Promise<number>;

const passkeyNotFound = (): NotFoundError => new NotFoundError('The passkey does not exist.');

/** The lock every change that could take an account's last way to sign in, and every added passkey (the cap), runs under. */
export const signInMethodsLock = (userId: string): string => `sign-in-methods:${userId}`;

export type PasskeysService = ReturnType<typeof createPasskeysService>;

/** The caller's passkeys (list, rename, delete), an admin's recovery removal, and forgetting an account. */
export function createPasskeysService(deps: {
  store: PasskeyStore;
  challenges: PasskeyChallengeService;
  users: Pick<UserRecords, 'findForSignIn'>;
  sessions: Pick<SessionService, 'revokeAllUserSessions'>;
  otherSignInMethods: OtherSignInMethods;
  withLock: WithLock;
  audit: AuditService;
  notify: PasskeyNotifier;
}) {
  const { store, audit } = deps;

  async function listMine(auth: AuthContext): Promise<PasskeyView[]> {
    return (await store.listOf(auth.userId)).map(toPasskeyView);
  }

  async function rename(auth: AuthContext, passkeyId: string, name: string): Promise<PasskeyView> {
    const passkey = await store.rename(auth.userId, passkeyId, name);
    if (!passkey) throw passkeyNotFound();
    return toPasskeyView(passkey);
  }

  /**
   * Deletes one of the caller's passkeys unless nothing else could sign in then (409 LAST_SIGN_IN_METHOD).
   * Counting and deleting run under the account's lock: two deletions of an account's last two passkeys
   * would otherwise each count the other and both succeed.
   */
  async function remove(auth: AuthContext, passkeyId: string, client: ClientInfo): Promise<void> {
    await deps.withLock(signInMethodsLock(auth.userId), async (lease) => {
      const passkeys = await store.listOf(auth.userId);
      if (!passkeys.some((passkey) => passkey._id === passkeyId)) throw passkeyNotFound();
      if (passkeys.length <= 1 && (await deps.otherSignInMethods(auth.userId)) === 0) {
        throw new ConflictError('LAST_SIGN_IN_METHOD', 'This is the only way to sign in to the account; add another before removing it.');
      }
      await lease.assertHeld();
      if (!(await store.removeOwn(auth.userId, passkeyId))) throw passkeyNotFound();
    });
    audit.record({
      type: 'user.passkey_removed',
      actorId: auth.userId,
      targetId: auth.userId,
      sessionId: auth.sessionId,
      ip: client.ip,
      details: { passkeyId },
    });
    const user = await deps.users.findForSignIn(auth.userId);
    if (user) await deps.notify.changed(recipientOf(user), 'passkey_removed_notice', client);
  }

  /**
   * Account recovery by an admin: removes every passkey of another user, ends their sessions and mails
   * them a notice. The account may be left with no way to sign in; the password reset is then the way back.
   */
  async function removeAllByAdmin(actor: AuthContext, userId: string, client: ClientInfo): Promise<void> {
    if (userId === actor.userId) throw new ForbiddenError('FORBIDDEN', 'Remove your own passkeys with DELETE /api/v1/me/passkeys/{id}.');
    const user = await deps.users.findForSignIn(userId);
    if (!user) throw new NotFoundError('The user does not exist.');
    const removed = await store.removeAllOf(userId);
    const revokedSessions = await deps.sessions.revokeAllUserSessions(userId, 'passkeys_reset');
    audit.record({
      type: 'user.passkey_removed',
      actorId: actor.userId,
      targetId: userId,
      sessionId: actor.sessionId,
      ip: client.ip,
      details: { removed, revokedSessions, byAdmin: true },
    });
    await deps.notify.removedByAdmin(recipientOf(user));
  }

  /** Forgets an account being deleted: its passkeys and its pending challenges. */
  async function forgetUser(userId: string): Promise<void> {
    await Promise.all([store.removeAllOf(userId), deps.challenges.forgetUser(userId)]);
  }

  return { listMine, countOf: store.countOf, rename, remove, removeAllByAdmin, forgetUser };
}
