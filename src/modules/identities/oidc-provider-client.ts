// openid-client 6 is an ES module only. tsc compiles this import to require(), which Node loads as
// require(esm), on by default since 20.19 (package.json engines) and in 24; the library has no top-level
// await, which require(esm) needs. Jest compiles the package to CommonJS instead (jest.config.ts).
import * as oidc from 'openid-client';
import type { OidcProviderSettings } from '../../config/oidc-providers';
import { AppError } from '../../errors/app-error';
import { logger } from '../../lib/logger';

/** What Keyhold uses of a verified ID token. */
export interface ProviderIdentity {
  subject: string;
  email: string | null;
  /** Only a literal `email_verified: true` counts; a provider that sends nothing or a string did not verify. */
  emailVerified: boolean;
  name: string | null;
}

/** The secrets of one authorization request, kept server-side until the callback. */
export interface AuthorizationChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export const oauthFailed = (detail = 'The sign-in provider did not confirm the sign-in; try again.'): AppError =>
  new AppError(400, 'OAUTH_FAILED', detail);

export type OidcProviderClient = ReturnType<typeof createOidcProviderClient>;

/**
 * One configured provider through openid-client: discovery on first use (a provider that is down at
 * start-up blocks nothing; a failed discovery is retried by the next request), PKCE S256, state and
 * nonce, and the ID token's signature checked against the provider's JWKS even when it came straight
 * from the token endpoint (openid-client trusts TLS there unless non-repudiation checks are on). Every
 * call to the provider is bounded by `timeoutMs`, so an unreachable provider answers OAUTH_FAILED quickly.
 */
export function createOidcProviderClient(settings: OidcProviderSettings, options: { redirectUri: string; timeoutMs: number }) {
  // The library's bodies (string, URLSearchParams, bytes) are all fetch bodies; only the DOM typings of bytes differ.
  const boundedFetch: oidc.CustomFetch = (url, init) =>
    fetch(url, { ...init, body: init.body as RequestInit['body'], signal: AbortSignal.timeout(options.timeoutMs) });
  let discovered: Promise<oidc.Configuration> | null = null;

  async function discover(): Promise<oidc.Configuration> {
    const execute = [oidc.enableNonRepudiationChecks, ...(settings.allowInsecureRequests ? [oidc.allowInsecureRequests] : [])];
    return oidc.discovery(
      new URL(settings.issuer),
      settings.clientId,
      { redirect_uris: [options.redirectUri], response_types: ['code'] },
      oidc.ClientSecretPost(settings.clientSecret),
      { execute, [oidc.customFetch]: boundedFetch, timeout: Math.ceil(options.timeoutMs / 1000) },
    );
  }

  function configuration(): Promise<oidc.Configuration> {
    discovered ??= discover().catch((error: unknown) => {
      discovered = null;
      logger.warn('OpenID provider discovery failed', { provider: settings.id, error });
      throw oauthFailed('The sign-in provider cannot be reached; try again later.');
    });
    return discovered;
  }

  /** Fresh state, nonce and PKCE verifier, and the provider URL that carries them. */
  async function startAuthorization(): Promise<{ url: string; checks: AuthorizationChecks }> {
    const config = await configuration();
    const checks = { state: oidc.randomState(), nonce: oidc.randomNonce(), codeVerifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: options.redirectUri,
      scope: settings.scopes,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, checks };
  }

  /**
   * Redeems the provider's answer (the callback's query) for a verified ID token: an error answer, a
   * wrong state, a bad signature, another issuer or audience, an expired token or a wrong nonce all
   * end as OAUTH_FAILED.
   */
  async function completeAuthorization(callbackQuery: string, checks: AuthorizationChecks): Promise<ProviderIdentity> {
    const config = await configuration();
    const currentUrl = new URL(options.redirectUri);
    currentUrl.search = callbackQuery;
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      logger.warn('OpenID sign-in refused', { provider: settings.id, error: describe(error) });
      throw oauthFailed();
    }
    if (!claims) throw oauthFailed();
    return {
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null,
      emailVerified: claims.email_verified === true,
      name: typeof claims.name === 'string' ? claims.name : null,
    };
  }

  return { id: settings.id, name: settings.name, trustEmail: settings.trustEmail, startAuthorization, completeAuthorization };
}

/** The library's error code and message (never the response body, which may hold tokens). */
function describe(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  return { name: error.name, code: (error as { code?: unknown }).code, message: error.message };
}
