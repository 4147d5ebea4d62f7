import { ConflictError, NotFoundError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { AuditService } from '../audit';
import type { AuthContext, Reauthentication } from '../users';
import type { IdentityLinks, IdentityView } from './identity-links.service';
import type { OAuthSignIn } from './oauth-sign-in.service';

export interface IdentitiesDeps {
  links: IdentityLinks;
  signIn: Pick<OAuthSignIn, 'start' | 'providerOf'>;
  reauth: Pick<Reauthentication, 'confirmPassword'>;
  audit: AuditService;
  /**
   * The account's ways to sign in other than its identities (a password; passkeys once they exist), from
   * the modules that own them, through container.ts.
   */
  otherSignInMethods: (userId: string) => Promise<number>;
  /** Runs a task while holding the account's lock, so two unlinks cannot both take what the other counted on. */
  withAccountLock: <T>(userId: string, task: () => Promise<T>) => Promise<T>;
  /** Mails the account a notice that a sign-in provider was removed from it. */
  notifyUnlinked: (userId: string, provider: string, client: ClientInfo) => Promise<void>;
}

export type IdentitiesService = ReturnType<typeof createIdentitiesService>;

/** The signed-in account's identities: list, start linking one, unlink one. */
export function createIdentitiesService(deps: IdentitiesDeps) {
  function list(auth: AuthContext): Promise<IdentityView[]> {
    return deps.links.list(auth.userId);
  }

  /**
   * After re-authentication (the password; an account without one, a recent sign-in), a provider URL whose
   * callback links the identity to this account. The browser binding is set by the caller's response.
   */
  async function startLink(auth: AuthContext, input: { provider: string; password: string; binding: string }, client: ClientInfo) {
    deps.signIn.providerOf(input.provider); // 404 for an unknown provider before any password is checked
    await deps.reauth.confirmPassword(auth, input.password, client);
    return deps.signIn.start({ provider: input.provider, returnTo: '/', binding: input.binding, linkUserId: auth.userId });
  }

  /** Removes an identity unless nothing else could sign in to the account then (409 LAST_SIGN_IN_METHOD). */
  async function unlink(auth: AuthContext, provider: string, client: ClientInfo): Promise<void> {
    await deps.withAccountLock(auth.userId, async () => {
      const identities = await deps.links.list(auth.userId);
      if (!identities.some((identity) => identity.provider === provider)) throw new NotFoundError('This provider is not linked.');
      const others = identities.length - 1 + (await deps.otherSignInMethods(auth.userId));
      if (others === 0) {
        throw new ConflictError(
          'LAST_SIGN_IN_METHOD',
          'This is the only way to sign in to the account; set a password or link another first.',
        );
      }
      if (!(await deps.links.unlink(auth.userId, provider))) throw new NotFoundError('This provider is not linked.');
    });
    deps.audit.record({
      type: 'user.identity_unlinked',
      actorId: auth.userId,
      targetId: auth.userId,
      sessionId: auth.sessionId,
      ip: client.ip,
      details: { provider },
    });
    await deps.notifyUnlinked(auth.userId, provider, client);
  }

  return { list, startLink, unlink };
}
