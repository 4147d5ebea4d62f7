import type { KeyholdApi } from './api-types.js';
import type { components } from './generated/openapi.js';

export type OAuthProvider = components['schemas']['OAuthProvider'];
export type LinkedIdentity = components['schemas']['Identity'];

/** Sign-in with the OpenID Connect providers the service is configured with, and the account's linked ones. */
export interface OAuthHelpers {
  /** `[{ id, name }]`; empty when none is configured. */
  providers(): Promise<OAuthProvider[]>;
  /**
   * Where a browser goes (a top-level navigation) to sign in with `provider`; the service brings it back
   * to `<APP_URL>/oauth-complete?code=` with `returnTo` (a relative path) kept for after `complete(code)`.
   */
  startUrl(provider: string, returnTo?: string): string;
  /** Navigates this window to `startUrl(provider, returnTo)` (browsers only). */
  signInWith(provider: string, returnTo?: string): void;
  /** The account's linked providers. */
  identities(): Promise<LinkedIdentity[]>;
  /** Re-authenticates (an account without a password sends '') and resolves to the URL to navigate to. */
  startIdentityLink(provider: string, password: string): Promise<string>;
  /** Rejects with `LAST_SIGN_IN_METHOD` (409) when nothing else could sign the account in. */
  unlink(provider: string): Promise<void>;
}

export function createOAuthHelpers(api: KeyholdApi, baseUrl: string): OAuthHelpers {
  function startUrl(provider: string, returnTo?: string): string {
    const url = new URL(`/api/v1/auth/oauth/${encodeURIComponent(provider)}/start`, baseUrl);
    if (returnTo !== undefined) url.searchParams.set('returnTo', returnTo);
    return url.toString();
  }
  return {
    providers: async () => (await api.listOAuthProviders()).data,
    startUrl,
    signInWith: (provider, returnTo) => window.location.assign(startUrl(provider, returnTo)),
    identities: async () => (await api.listMyIdentities()).data,
    startIdentityLink: async (provider, password) => (await api.startIdentityLink({ path: { provider }, body: { password } })).data.url,
    unlink: async (provider) => void (await api.unlinkIdentity({ path: { provider } })),
  };
}
