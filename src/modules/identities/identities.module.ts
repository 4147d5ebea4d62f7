import type { Config } from '../../config/env';
import type { ClientInfo } from '../../lib/client-info';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../audit';
import type { Reauthentication, UserRecords } from '../users';
import { BINDING_COOKIE_PATH, createBindingCookie } from './binding-cookie';
import { createExchangeCodes, invalidExchangeCode, type CodeGrant } from './exchange-codes.service';
import { createIdentitiesService, type IdentitiesDeps } from './identities.service';
import { createIdentityLinks } from './identity-links.service';
import { createOAuthSignIn } from './oauth-sign-in.service';
import { createOidcProviderClient, type OidcProviderClient } from './oidc-provider-client';
import { createSignInAttempts } from './sign-in-attempts.service';

export interface IdentitiesModuleDeps {
  config: Pick<Config, 'oidc' | 'publicUrl'>;
  now: Clock;
  users: Pick<UserRecords, 'findRecipient' | 'findView' | 'createAccount'>;
  audit: AuditService;
  reauth: Pick<Reauthentication, 'confirmPassword'>;
  otherSignInMethods: IdentitiesDeps['otherSignInMethods'];
  withAccountLock: IdentitiesDeps['withAccountLock'];
  /** Mails the account's address a notice of a linked or removed provider. */
  notify: (userId: string, change: 'linked' | 'unlinked', provider: string, client: ClientInfo) => Promise<void>;
  /** Ends every session and pending second-factor step of the account (the sessions and mfa modules). */
  endSignIns: (userId: string) => Promise<void>;
}

/** How the account's mailbox was just proven to belong to the person using it. */
export type AddressProof = 'password_reset' | 'email_verified' | 'email_changed' | 'email_reverted';

/** The provider's redirect URI to register: `${PUBLIC_URL}/api/v1/auth/oauth/<id>/callback`. */
export const redirectUriOf = (publicUrl: string, provider: string): string => `${publicUrl}${BINDING_COOKIE_PATH}/${provider}/callback`;

/** Builds the identities capability: provider clients, attempts, codes, links and the services over them. */
export function createIdentitiesServices(deps: IdentitiesModuleDeps) {
  const { oidc, publicUrl } = deps.config;
  const providers = new Map<string, OidcProviderClient>(
    oidc.providers.map((settings) => [
      settings.id,
      createOidcProviderClient(settings, { redirectUri: redirectUriOf(publicUrl, settings.id), timeoutMs: oidc.httpTimeoutMs }),
    ]),
  );
  const attempts = createSignInAttempts({ now: deps.now, ttlMs: oidc.attemptTtlMs });
  const codes = createExchangeCodes({ now: deps.now, ttlMs: oidc.codeTtlMs });
  const links = createIdentityLinks({ now: deps.now });
  const signIn = createOAuthSignIn({
    providers,
    attempts,
    codes,
    links,
    users: deps.users,
    audit: deps.audit,
    withAccountLock: deps.withAccountLock,
    notifyLinked: (userId, provider, client) => deps.notify(userId, 'linked', provider, client),
  });
  const identities = createIdentitiesService({
    links,
    signIn,
    reauth: deps.reauth,
    audit: deps.audit,
    otherSignInMethods: deps.otherSignInMethods,
    withAccountLock: deps.withAccountLock,
    notifyUnlinked: (userId, provider, client) => deps.notify(userId, 'unlinked', provider, client),
  });
  const bindingCookie = createBindingCookie({ secure: publicUrl.startsWith('https:'), maxAgeMs: oidc.attemptTtlMs });
  const isTrusted = (provider: string) => providers.get(provider)?.trustEmail === true;

  /**
   * Spends a one-time code, then completes the sign-in under the account's lock while its identity is
   * still linked: a link removed by a proof of the mailbox (below, same lock) before this point refuses
   * the code, and one removed after it ends what `complete` started.
   */
  async function redeemCode<T>(code: string, binding: string | undefined, complete: (grant: CodeGrant) => Promise<T>): Promise<T> {
    const grant = await codes.redeem(code, binding);
    return deps.withAccountLock(grant.userId, async () => {
      if (!(await links.isLinked(grant.identityKey, grant.userId))) throw invalidExchangeCode();
      return complete(grant);
    });
  }

  /**
   * The mailbox of `address` was just proven (a reset or verification link was used): the identities
   * that did not vouch for that address could be someone else's (a provider that lets anyone claim any
   * address), so they are removed, links started from settings before now cannot finish, and when any
   * went, every session and pending second-factor step ends (docs/guides/sign-in-with-oidc.md).
   */
  async function afterAddressProven(proof: { userId: string; address: string; reason: AddressProof }, client: ClientInfo): Promise<number> {
    const { userId, reason } = proof;
    const dropped = await deps.withAccountLock(userId, async () => {
      await attempts.forgetUser(userId);
      const removed = await links.dropNotVouchingFor(userId, proof.address, isTrusted);
      if (removed.length > 0) await deps.endSignIns(userId);
      return removed;
    });
    for (const provider of dropped) {
      deps.audit.record({
        type: 'user.identity_unlinked',
        actorId: userId,
        targetId: userId,
        ip: client.ip,
        details: { provider, reason },
      });
    }
    return dropped.length;
  }

  return {
    signIn,
    identities,
    codes: { redeem: redeemCode },
    bindingCookie,
    afterAddressProven,
    /** How many providers can sign in to the account (one of its ways to sign in). */
    countLinks: links.countOf,
    async forgetUser(userId: string): Promise<void> {
      await Promise.all([links.forgetUser(userId), attempts.forgetUser(userId), codes.forgetUser(userId)]);
    },
    async sweepExpired(): Promise<number> {
      return (await attempts.sweepExpired()) + (await codes.sweepExpired());
    },
  };
}

export type IdentitiesServices = ReturnType<typeof createIdentitiesServices>;
