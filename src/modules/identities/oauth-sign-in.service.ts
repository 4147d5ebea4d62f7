import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { AuditService } from '../audit';
import type { UserRecords } from '../users';
import type { ExchangeCodes } from './exchange-codes.service';
import { identityKeyOf } from './identity-link.model';
import type { IdentityLinks } from './identity-links.service';
import { oauthFailed, type OidcProviderClient, type ProviderIdentity } from './oidc-provider-client';
import { invalidState, type SignInAttempts } from './sign-in-attempts.service';

/** Where the callback sends the browser: a one-time code for the login, or the news that linking worked. */
export type CallbackOutcome = { kind: 'signed_in'; code: string } | { kind: 'linked'; provider: string };

const accountExists = (): ConflictError =>
  new ConflictError(
    'ACCOUNT_EXISTS',
    'An account with this address exists: sign in another way, then link this provider in your settings.',
  );
/** What a link keeps of a verified ID token. */
const claimsOf = ({ subject, email, emailVerified }: ProviderIdentity) => ({ subject, email, emailVerified });
const identityTaken = (): ConflictError => new ConflictError('IDENTITY_TAKEN', 'This sign-in is already linked to another account.');
const accountDisabled = (): ForbiddenError => new ForbiddenError('ACCOUNT_DISABLED', 'The account is disabled.');

export interface OAuthSignInDeps {
  providers: ReadonlyMap<string, OidcProviderClient>;
  attempts: SignInAttempts;
  codes: ExchangeCodes;
  links: IdentityLinks;
  users: Pick<UserRecords, 'findRecipient' | 'findView' | 'createAccount'>;
  audit: AuditService;
  /** Runs a task holding the account's lock (the one a proof of the mailbox takes to remove links). */
  withAccountLock: <T>(userId: string, task: () => Promise<T>) => Promise<T>;
  /** Mails the account a notice that a sign-in provider was linked to it. */
  notifyLinked: (userId: string, provider: string, client: ClientInfo) => Promise<void>;
}

export type OAuthSignIn = ReturnType<typeof createOAuthSignIn>;

/** Signing in with a configured OpenID provider, and the linking rules (docs/guides/sign-in-with-oidc.md). */
export function createOAuthSignIn(deps: OAuthSignInDeps) {
  const { links, audit } = deps;

  function providerOf(id: string): OidcProviderClient {
    const provider = deps.providers.get(id);
    if (!provider) throw new NotFoundError('No such sign-in provider.');
    return provider;
  }

  /** The provider URL a browser goes to, with a fresh attempt bound to that browser (and to an account when linking). */
  async function start(input: { provider: string; returnTo: string; binding: string; linkUserId?: string }): Promise<string> {
    const { url, checks } = await providerOf(input.provider).startAuthorization();
    await deps.attempts.open({ ...input, checks });
    return url;
  }

  /**
   * The provider's redirect back: spends the attempt (this browser's, once), verifies the ID token, then
   * links the identity (when linking) or picks the account it signs in to and issues a one-time code.
   */
  async function completeCallback(
    input: { provider: string; query: string; state: string | undefined; binding: string | undefined },
    client: ClientInfo,
  ): Promise<CallbackOutcome & { returnTo: string }> {
    const provider = providerOf(input.provider);
    const { binding, state } = input;
    if (!binding || !state) throw invalidState();
    const attempt = await deps.attempts.consume(input.provider, state, binding);
    const identity = await provider.completeAuthorization(input.query, attempt.checks);
    if (attempt.linkUserId) {
      await linkToAccount({ userId: attempt.linkUserId, state }, provider.id, identity, client);
      return { kind: 'linked', provider: provider.id, returnTo: attempt.returnTo };
    }
    const userId = await accountFor(provider, identity, client);
    const identityKey = identityKeyOf(provider.id, identity.subject);
    const code = await deps.codes.issue({ userId, identityKey, binding, returnTo: attempt.returnTo });
    return { kind: 'signed_in', code, returnTo: attempt.returnTo };
  }

  async function linkToAccount(
    started: { userId: string; state: string },
    provider: string,
    identity: ProviderIdentity,
    client: ClientInfo,
  ): Promise<void> {
    const { userId } = started;
    const account = await deps.users.findView(userId);
    if (!account) throw oauthFailed('The account that started linking no longer exists.');
    const outcome = await deps.withAccountLock(userId, async () => {
      // A proof of the mailbox since the link was started removed its attempt: whoever started it may not be the owner.
      if (!(await deps.attempts.isLinkStillWanted(started.state, userId))) throw invalidState();
      return links.link(userId, { provider, ...claimsOf(identity) });
    });
    if (outcome === 'taken' || outcome === 'provider_taken') throw identityTaken();
    if (outcome === 'linked') await recordLinked(userId, provider, 'settings', client);
  }

  /** The account this identity signs in to, by the rules: known identity, then a trusted verified address, then a new account. */
  async function accountFor(provider: OidcProviderClient, identity: ProviderIdentity, client: ClientInfo): Promise<string> {
    const known = await links.accountOf(provider.id, identity.subject, identity);
    if (known) return assertActive(known);
    if (!identity.email) throw oauthFailed('The sign-in provider did not share an e-mail address.');
    const holder = await deps.users.findRecipient(identity.email);
    if (holder) return linkByAddress(provider, identity, holder, client);
    return createAccountFor(provider, identity, client);
  }

  async function assertActive(userId: string): Promise<string> {
    const account = await deps.users.findView(userId);
    if (!account) throw oauthFailed('The account of this sign-in no longer exists.');
    if (account.status === 'disabled') throw accountDisabled();
    return userId;
  }

  /**
   * An account already holds the address: linking it needs a provider trusted to verify addresses, its
   * word that this one is verified, and a verified local address (so an attacker who registered the
   * victim's address unverified does not receive the victim's provider sign-in).
   */
  async function linkByAddress(
    provider: OidcProviderClient,
    identity: ProviderIdentity,
    holder: { id: string; status: string; emailVerified: boolean },
    client: ClientInfo,
  ): Promise<string> {
    if (!(provider.trustEmail && identity.emailVerified && holder.emailVerified)) throw accountExists();
    if (holder.status === 'disabled') throw accountDisabled();
    const outcome = await links.link(holder.id, { provider: provider.id, ...claimsOf(identity) });
    if (outcome === 'taken') return assertActive((await links.accountOf(provider.id, identity.subject, identity)) ?? holder.id);
    if (outcome === 'provider_taken') throw accountExists();
    if (outcome === 'linked') await recordLinked(holder.id, provider.id, 'verified_email', client);
    return holder.id;
  }

  /** A new account without a password, its address verified as the provider says. */
  async function createAccountFor(provider: OidcProviderClient, identity: ProviderIdentity, client: ClientInfo): Promise<string> {
    let userId: string;
    try {
      const user = await deps.users.createAccount({
        email: identity.email!,
        passwordHash: null,
        name: identity.name,
        emailVerified: identity.emailVerified,
      });
      userId = user._id.toString();
    } catch (error) {
      // A parallel callback of the same identity (another tab) created the account first: sign in to it if it linked.
      if (error instanceof AppError && error.code === 'EMAIL_TAKEN') {
        const linked = await links.accountOf(provider.id, identity.subject, identity);
        if (linked) return assertActive(linked);
        throw accountExists();
      }
      throw error;
    }
    audit.record({
      type: 'auth.register',
      actorId: userId,
      targetId: userId,
      ip: client.ip,
      details: { method: 'oidc', provider: provider.id },
    });
    await links.link(userId, { provider: provider.id, ...claimsOf(identity) });
    audit.record({
      type: 'user.identity_linked',
      actorId: userId,
      targetId: userId,
      ip: client.ip,
      details: { provider: provider.id, via: 'sign_up' },
    });
    return userId;
  }

  async function recordLinked(userId: string, provider: string, via: 'settings' | 'verified_email', client: ClientInfo): Promise<void> {
    audit.record({ type: 'user.identity_linked', actorId: userId, targetId: userId, ip: client.ip, details: { provider, via } });
    await deps.notifyLinked(userId, provider, client);
  }

  /** The configured providers, for the sign-in page's buttons. */
  function listProviders(): { id: string; name: string }[] {
    return [...deps.providers.values()].map((provider) => ({ id: provider.id, name: provider.name }));
  }

  return { start, completeCallback, listProviders, providerOf };
}
