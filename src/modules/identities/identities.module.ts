import type { Config } from '../../config/env';
import type { ClientInfo } from '../../lib/client-info';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../audit';
import type { Reauthentication, UserRecords } from '../users';
import { BINDING_COOKIE_PATH, createBindingCookie } from './binding-cookie';
import { createExchangeCodes } from './exchange-codes.service';
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
}

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
  return {
    signIn,
    identities,
    codes,
    bindingCookie,
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
