import { createAuthSchemas } from '../auth';
import {
  createPasskeysSchemas,
  passkeyEnvelopeResponse,
  passkeyListResponse,
  registrationOptionsResponse,
  signInOptionsResponse,
} from '../passkeys';
import type { Config } from '../../config/env';
import type { Operation } from './operation';
import { loginResponse } from './response.schemas';

const PASSKEY_INVALID =
  'PASSKEY_INVALID (no pending, an expired or used challenge; another origin or RP id; no user verification; registered already)';

const PASSKEY_LIMIT_REACHED = 'PASSKEY_LIMIT_REACHED (the account has WEBAUTHN_MAX_PASSKEYS passkeys; remove one first)';

/** The passkey routes: sign-in under /auth, the caller's passkeys under /me, the admin's recovery under /users. */
export function passkeyOperations(config: Config): Operation[] {
  const auth = createAuthSchemas(config.password);
  const passkeys = createPasskeysSchemas();
  return [
    {
      method: 'post',
      path: '/api/v1/auth/passkey/options',
      operationId: 'getPasskeySignInOptions',
      tag: 'Auth',
      summary:
        'Passwordless sign-in, step 1: WebAuthn request options (no allow-list) and the challengeId, single-use, for WEBAUTHN_CHALLENGE_TTL',
      security: 'none',
      request: auth.passkeyOptions,
      success: { status: 200, description: 'OK', schema: signInOptionsResponse },
    },
    {
      method: 'post',
      path: '/api/v1/auth/passkey/verify',
      operationId: 'signInWithPasskey',
      tag: 'Auth',
      summary: 'Passwordless sign-in, step 2: the assertion; answers like a password login, the session\'s amr is ["pop","mfa"]',
      security: 'none',
      request: auth.signInWithPasskey,
      success: { status: 200, description: 'OK', schema: loginResponse, setsCookie: true, setsDeviceCookie: true },
      problems: {
        401: [
          'INVALID_CREDENTIALS (unknown, expired or used challenge; unknown passkey; bad signature, origin or RP id; no user verification; counter regression of a device-bound passkey)',
        ],
        403: ['ACCOUNT_DISABLED', 'EMAIL_NOT_VERIFIED (REQUIRE_VERIFIED_EMAIL)'],
      },
    },
    {
      method: 'post',
      path: '/api/v1/me/passkeys/registration-options',
      operationId: 'createPasskeyRegistrationOptions',
      tag: 'Me',
      summary:
        'Start adding a passkey: WebAuthn creation options for a discoverable, user-verified passkey. The password is required when the account has one; an account without one sends none and needs a session signed in within the last 5 minutes',
      security: 'bearer',
      request: passkeys.registrationOptions,
      success: { status: 200, description: 'OK', schema: registrationOptionsResponse },
      problems: {
        403: ['INVALID_CREDENTIALS (wrong or missing password; for an account without one, a sign-in older than 5 minutes)'],
        409: [PASSKEY_LIMIT_REACHED],
        429: ['RATE_LIMITED (too many wrong answers in this session)'],
        503: ['BUSY'],
      },
    },
    {
      method: 'post',
      path: '/api/v1/me/passkeys',
      operationId: 'registerPasskey',
      tag: 'Me',
      summary: "Add a passkey: the browser's registration response to the pending options; a notice is mailed",
      security: 'bearer',
      request: passkeys.register,
      success: { status: 201, description: 'Created', schema: passkeyEnvelopeResponse },
      problems: { 400: [PASSKEY_INVALID], 409: [PASSKEY_LIMIT_REACHED], 503: ['BUSY'] },
    },
    {
      method: 'get',
      path: '/api/v1/me/passkeys',
      operationId: 'listMyPasskeys',
      tag: 'Me',
      summary: "The caller's passkeys, oldest first",
      security: 'bearer',
      request: passkeys.list,
      success: { status: 200, description: 'OK', schema: passkeyListResponse },
    },
    {
      method: 'patch',
      path: '/api/v1/me/passkeys/:id',
      operationId: 'renamePasskey',
      tag: 'Me',
      summary: "Rename one of the caller's passkeys",
      security: 'bearer',
      request: passkeys.rename,
      success: { status: 200, description: 'OK', schema: passkeyEnvelopeResponse },
      problems: { 404: ['NOT_FOUND'] },
    },
    {
      method: 'delete',
      path: '/api/v1/me/passkeys/:id',
      operationId: 'deletePasskey',
      tag: 'Me',
      summary: "Remove one of the caller's passkeys, unless nothing else could sign in; a notice is mailed",
      security: 'bearer',
      request: passkeys.remove,
      success: { status: 204, description: 'Removed' },
      problems: { 404: ['NOT_FOUND'], 409: ['LAST_SIGN_IN_METHOD'], 503: ['BUSY'] },
    },
    {
      method: 'delete',
      path: '/api/v1/users/:id/passkeys',
      operationId: 'deleteUserPasskeys',
      tag: 'Users',
      summary: "Remove every passkey of another user (admin, account recovery): the user's sessions end, a notice is mailed",
      security: 'bearer',
      request: passkeys.removeAllByAdmin,
      success: { status: 204, description: 'Removed' },
      problems: { 403: ["FORBIDDEN (also for one's own account: use DELETE /api/v1/me/passkeys/{id})"], 404: ['NOT_FOUND'] },
    },
  ];
}
