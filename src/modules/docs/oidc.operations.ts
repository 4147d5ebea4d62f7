import { createAuthSchemas } from '../auth';
import { createIdentitiesSchemas, identitiesResponse, identityLinkResponse, oauthProvidersResponse } from '../identities';
import type { Operation } from './operation';
import { oauthLoginResponse } from './response.schemas';

const REDIRECT_ERRORS =
  'OAUTH_STATE_INVALID (missing, wrong, reused or expired state, or another browser), OAUTH_FAILED (provider error, bad ID token, provider unreachable), ACCOUNT_EXISTS, ACCOUNT_DISABLED, IDENTITY_TAKEN (linking)';

/** The routes of signing in with an OpenID Connect provider and of the caller's linked identities. */
export function oidcOperations(auth: ReturnType<typeof createAuthSchemas>): Operation[] {
  const schemas = createIdentitiesSchemas();
  return [
    {
      method: 'get',
      path: '/api/v1/auth/oauth/providers',
      operationId: 'listOAuthProviders',
      tag: 'Auth',
      summary: 'The configured OpenID Connect providers (OIDC_PROVIDERS), for sign-in buttons',
      security: 'none',
      success: { status: 200, description: 'OK', schema: oauthProvidersResponse },
    },
    {
      method: 'get',
      path: '/api/v1/auth/oauth/:provider/start',
      operationId: 'startOAuthSignIn',
      tag: 'Auth',
      summary:
        'Open in the browser (top-level navigation): redirects to the provider with PKCE S256, state and nonce, and sets the HttpOnly, SameSite=Lax binding cookie `oauthBinding` (Path=/api/v1/auth/oauth, 10 minutes). `returnTo` is a path on the frontend (default `/`)',
      security: 'none',
      request: schemas.start,
      success: {
        status: 302,
        description:
          "To the provider's sign-in page; when the provider cannot be reached, to `${APP_URL}/oauth-complete?error=OAUTH_FAILED`",
      },
      problems: {
        400: ['VALIDATION_FAILED (returnTo is not a relative path: //host, /\\host, schemes are refused)'],
        404: ['NOT_FOUND (no such provider)'],
      },
    },
    {
      method: 'get',
      path: '/api/v1/auth/oauth/:provider/callback',
      operationId: 'completeOAuthCallback',
      tag: 'Auth',
      summary:
        "The provider's redirect back (register `${PUBLIC_URL}/api/v1/auth/oauth/<id>/callback` with it). Never carries a token: the browser goes on to the frontend with a one-time code (60 s, single use, only for this browser), `?linked=<provider>` after linking, or `?error=<CODE>`",
      security: 'none',
      request: schemas.callback,
      success: {
        status: 302,
        description: `To \`\${APP_URL}/oauth-complete?code=<one-time code>\`, \`?linked=<provider>\` or \`?error=<CODE>\` where CODE is ${REDIRECT_ERRORS}`,
      },
      problems: { 404: ['NOT_FOUND (no such provider)'] },
    },
    {
      method: 'post',
      path: '/api/v1/auth/oauth/exchange',
      operationId: 'exchangeOAuthCode',
      tag: 'Auth',
      summary:
        "Exchange the callback's one-time code (from the browser that started, with its binding cookie) for the login body, cookies and the sign-in's returnTo; the session's amr is [\"fed\"]",
      security: 'none',
      request: auth.exchangeOAuthCode,
      success: { status: 200, description: 'OK', schema: oauthLoginResponse, setsCookie: true, setsDeviceCookie: true },
      problems: {
        400: ['OAUTH_CODE_INVALID (unknown, used, expired, or from another browser)'],
        403: [
          'ACCOUNT_DISABLED',
          'EMAIL_NOT_VERIFIED (REQUIRE_VERIFIED_EMAIL)',
          'MFA_REQUIRED (with mfaToken, expiresIn and the sign-in\'s returnTo: finish at POST /api/v1/auth/mfa/verify, then go to returnTo; the session is then ["fed","otp"])',
          'CSRF_REJECTED',
        ],
      },
    },
    {
      method: 'get',
      path: '/api/v1/me/identities',
      operationId: 'listMyIdentities',
      tag: 'Me',
      summary: "The caller's linked sign-in providers",
      security: 'bearer',
      success: { status: 200, description: 'OK', schema: identitiesResponse },
    },
    {
      method: 'post',
      path: '/api/v1/me/identities/:provider',
      operationId: 'startIdentityLink',
      tag: 'Me',
      summary:
        'Start linking a provider (password required; an account without one: a sign-in within the last 5 minutes). Sets the binding cookie: call with credentials, then open `url` in this browser; the callback links the identity to this account',
      security: 'bearer',
      request: schemas.startLink,
      success: { status: 200, description: 'OK', schema: identityLinkResponse },
      problems: {
        403: ['INVALID_CREDENTIALS'],
        404: ['NOT_FOUND (no such provider)'],
        429: ['RATE_LIMITED (too many wrong answers in this session)'],
        503: ['BUSY'],
      },
    },
    {
      method: 'delete',
      path: '/api/v1/me/identities/:provider',
      operationId: 'unlinkIdentity',
      tag: 'Me',
      summary: 'Unlink a provider',
      security: 'bearer',
      request: schemas.unlink,
      success: { status: 204, description: 'Unlinked' },
      problems: {
        404: ['NOT_FOUND (the provider is not linked)'],
        409: ['LAST_SIGN_IN_METHOD (nothing else could sign in: set a password through "forgot password" or link another provider first)'],
        503: ['BUSY'],
      },
    },
  ];
}
