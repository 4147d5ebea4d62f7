import { z, type ZodType } from 'zod';
import type { Config } from '../../config/env';
import type { RequestSchemas } from '../../middleware/validate';
import { createAccountRecoverySchemas } from '../account-recovery';
import { createAuditSchemas } from '../audit';
import { createAuthSchemas } from '../auth';
import {
  checkedHabitResponse,
  checkInDatesResponse,
  createHabitsSchemas,
  habitEnvelopeResponse,
  habitsListResponse,
  habitStatsEnvelopeResponse,
  settingsEnvelopeResponse,
} from '../habits';
import { createKeysSchemas, discoveryResponse, jwksResponse, signingKeyResponse } from '../keys';
import { createMfaSchemas } from '../mfa';
import { createMeSchemas, createUserSchemas } from '../users';
import * as responses from './response.schemas';

export type Security = 'none' | 'bearer' | 'cookie' | 'cookieOrBearer';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path (`/users/:id`). */
  path: string;
  /** Unique, camelCase verb + noun: the method name clients generated from the document get (`client.api.login`). */
  operationId: string;
  tag: 'Operational' | 'Auth' | 'Me' | 'Users' | 'Audit' | 'Keys' | 'Habits';
  summary: string;
  security: Security;
  request?: RequestSchemas;
  /** `mediaType` when the body is not JSON (the Prometheus text of /metrics). */
  success: {
    status: 200 | 201 | 202 | 204;
    description: string;
    schema?: ZodType;
    mediaType?: string;
    setsCookie?: boolean;
    setsDeviceCookie?: boolean;
  };
  /** Problem responses beyond the ones every route of its kind can give (401s on bearer routes, 400s on validated input...). */
  problems?: Partial<Record<400 | 401 | 403 | 404 | 409 | 429 | 503, string[]>>;
}

const TOO_COMMON = 'PASSWORD_TOO_COMMON (a common password, the own address or its local part, or the product name)';

const metricsOperation: Operation = {
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tag: 'Operational',
  summary: 'Prometheus metrics; with METRICS_TOKEN set, send it as `Authorization: Bearer`; in production without one, 404',
  security: 'none',
  success: { status: 200, description: 'Prometheus text exposition format', schema: z.string(), mediaType: 'text/plain' },
  problems: { 401: ['UNAUTHENTICATED (METRICS_TOKEN is set and was not sent)'], 404: ['NOT_FOUND (production without METRICS_TOKEN)'] },
};

/** Every route of the API with the very schemas the validation middleware uses. */
export function listOperations(config: Config): Operation[] {
  const auth = createAuthSchemas(config.password);
  const me = createMeSchemas(config.password);
  const users = createUserSchemas(config.pagination);
  const audit = createAuditSchemas(config.pagination);
  const mfa = createMfaSchemas();
  const reauthProblems = { 403: ['INVALID_CREDENTIALS'], 429: ['RATE_LIMITED (too many wrong answers in this session)'], 503: ['BUSY'] };
  const recovery = createAccountRecoverySchemas(config.password);
  const keys = createKeysSchemas();
  const habits = createHabitsSchemas(config.habits);
  const ok = (schema: ZodType, description = 'OK') => ({ status: 200 as const, description, schema });
  const noContent = (description: string) => ({ status: 204 as const, description });
  const accepted = (description: string) => ({ status: 202 as const, description });
  return [
    {
      method: 'get',
      path: '/',
      operationId: 'getServiceInfo',
      tag: 'Operational',
      summary: 'Service name and version',
      security: 'none',
      success: ok(responses.serviceInfoResponse),
    },
    {
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      tag: 'Operational',
      summary: 'Liveness: 200 while the process runs',
      security: 'none',
      success: ok(responses.healthResponse),
    },
    {
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      tag: 'Operational',
      summary: 'Readiness: 200 when the database answers, else 503',
      security: 'none',
      success: ok(responses.readinessResponse),
      problems: { 503: ['database down (plain JSON body with status "unavailable")'] },
    },
    ...(config.metrics.enabled ? [metricsOperation] : []),
    {
      method: 'post',
      path: '/api/v1/auth/register',
      operationId: 'register',
      tag: 'Auth',
      summary: 'Create an account',
      security: 'none',
      request: auth.register,
      success: { status: 201, description: 'Created', schema: responses.userEnvelopeResponse },
      problems: { 400: [TOO_COMMON], 409: ['EMAIL_TAKEN'], 503: ['BUSY (password hashing saturated; retry after Retry-After)'] },
    },
    {
      method: 'post',
      path: '/api/v1/auth/login',
      operationId: 'login',
      tag: 'Auth',
      summary: 'Sign in: access token in the body, refresh token and device cookie in HttpOnly cookies',
      security: 'none',
      request: auth.login,
      success: { ...ok(responses.loginResponse), setsCookie: true, setsDeviceCookie: true },
      problems: {
        401: ['INVALID_CREDENTIALS'],
        403: ['ACCOUNT_DISABLED', 'MFA_REQUIRED (with mfaToken and expiresIn: finish at POST /api/v1/auth/mfa/verify)'],
        429: [
          'RATE_LIMITED (per IP; or every failure slot of the account, or of the presented device cookie, is spent or in use: no password was checked)',
        ],
        503: ['BUSY (password hashing saturated; retry after Retry-After)'],
      },
    },
    {
      method: 'post',
      path: '/api/v1/auth/mfa/verify',
      operationId: 'verifyMfaLogin',
      tag: 'Auth',
      summary: 'Second step of an MFA login: the mfaToken and a TOTP or recovery code',
      security: 'none',
      request: auth.verifyMfa,
      success: { ...ok(responses.loginResponse), setsCookie: true },
      problems: {
        400: ['MFA_CODE_INVALID (wrong, replayed or used code)'],
        401: ['MFA_TOKEN_INVALID (unknown, expired, used, or 5 wrong codes)'],
        403: ['ACCOUNT_DISABLED'],
        429: ['RATE_LIMITED (per IP, or the account is locked)'],
      },
    },
    {
      method: 'post',
      path: '/api/v1/auth/refresh',
      operationId: 'refresh',
      tag: 'Auth',
      summary: 'Rotate the refresh cookie and get a new access token',
      security: 'cookie',
      request: auth.refresh,
      success: {
        ...ok(
          responses.refreshResponse,
          'A new access token; Set-Cookie holds the successor refresh token. Presenting the just-rotated token again ' +
            'within REFRESH_REUSE_GRACE, while its successor is unused (a lost answer, a racing tab), answers the same ' +
            'way with the same successor, so the chain never forks.',
        ),
        setsCookie: true,
      },
      problems: {
        401: [
          'REFRESH_TOKEN_INVALID (also for two or more refresh cookies)',
          'REFRESH_TOKEN_REUSED (the session is revoked: the successor was used, or the grace is over)',
          'SESSION_REVOKED',
        ],
        403: ['CSRF_REJECTED', 'ACCOUNT_DISABLED'],
      },
    },
    {
      method: 'post',
      path: '/api/v1/auth/logout',
      operationId: 'logout',
      tag: 'Auth',
      summary: 'End this session (idempotent) and clear the cookie',
      security: 'cookieOrBearer',
      request: auth.logout,
      success: noContent('Signed out'),
      problems: { 401: ['REFRESH_TOKEN_INVALID (two or more refresh cookies)'], 403: ['CSRF_REJECTED'] },
    },
    {
      method: 'post',
      path: '/api/v1/auth/logout-all',
      operationId: 'logoutAll',
      tag: 'Auth',
      summary: 'End every session of the caller',
      security: 'bearer',
      request: auth.logoutAll,
      success: noContent('Signed out everywhere'),
    },
    {
      method: 'post',
      path: '/api/v1/auth/password/forgot',
      operationId: 'requestPasswordReset',
      tag: 'Auth',
      summary: 'Ask for a password-reset link by mail (same answer, in the same time, for any address)',
      security: 'none',
      request: recovery.forgotPassword,
      success: accepted(
        'Accepted, empty body, always. An active account gets <APP_URL>/reset-password?token=... (PASSWORD_RESET_TTL); at most one link per MAIL_RESEND_INTERVAL.',
      ),
    },
    {
      method: 'post',
      path: '/api/v1/auth/password/reset',
      operationId: 'resetPassword',
      tag: 'Auth',
      summary: 'Set a new password with the mailed token; every session of the account ends',
      security: 'none',
      request: recovery.resetPassword,
      success: noContent('Password replaced; sessions and refresh tokens revoked, login failures cleared, token spent'),
      problems: { 400: ['RESET_TOKEN_INVALID (unknown, used, replaced or expired token)', `${TOO_COMMON}; the token stays usable`] },
    },
    {
      method: 'post',
      path: '/api/v1/auth/email/verify',
      operationId: 'verifyEmail',
      tag: 'Auth',
      summary: 'Confirm the registration address, or a pending address change, with the mailed token',
      security: 'none',
      request: recovery.verifyEmail,
      success: ok(responses.userEnvelopeResponse),
      problems: {
        400: ['VERIFICATION_TOKEN_INVALID'],
        409: ['EMAIL_TAKEN (the new address was taken in the meantime; the link stays usable)'],
      },
    },
    {
      method: 'post',
      path: '/api/v1/auth/email/verification',
      operationId: 'resendVerificationEmail',
      tag: 'Auth',
      summary: 'Mail the verification link again (public; same answer for any address)',
      security: 'none',
      request: recovery.requestVerification,
      success: accepted(
        'Accepted, empty body, always. An unverified active account gets a new link; at most one per MAIL_RESEND_INTERVAL.',
      ),
    },
    {
      method: 'post',
      path: '/api/v1/auth/email/revert',
      operationId: 'revertEmailChange',
      tag: 'Auth',
      summary:
        '"This wasn\'t me": restore the previous address with the token mailed to it, sign out everywhere; works for its whole lifetime whatever came after it',
      security: 'none',
      request: recovery.revertEmail,
      success: noContent('Previous address restored; every session revoked; outstanding reset and verification links voided'),
      problems: { 400: ['VERIFICATION_TOKEN_INVALID'], 409: ['EMAIL_TAKEN (the previous address was taken in the meantime)'] },
    },
    {
      method: 'get',
      path: '/api/v1/me',
      operationId: 'getMe',
      tag: 'Me',
      summary: 'The caller and the current session',
      security: 'bearer',
      success: ok(responses.meResponse),
    },
    {
      method: 'patch',
      path: '/api/v1/me',
      operationId: 'updateMe',
      tag: 'Me',
      summary: "Update the caller's profile",
      security: 'bearer',
      request: me.updateProfile,
      success: ok(responses.userEnvelopeResponse),
    },
    {
      method: 'delete',
      path: '/api/v1/me',
      operationId: 'deleteMe',
      tag: 'Me',
      summary: "Delete the caller's account (password required)",
      security: 'bearer',
      request: me.deleteAccount,
      success: noContent('Deleted with all sessions and tokens'),
      problems: { 403: ['INVALID_CREDENTIALS'], 409: ['LAST_ADMIN'], 503: ['BUSY (password hashing saturated; retry after Retry-After)'] },
    },
    {
      method: 'post',
      path: '/api/v1/me/password',
      operationId: 'changePassword',
      tag: 'Me',
      summary: 'Change password; every other session ends',
      security: 'bearer',
      request: me.changePassword,
      success: noContent('Changed'),
      problems: { 400: [TOO_COMMON], 403: ['INVALID_CREDENTIALS'], 503: ['BUSY (password hashing saturated; retry after Retry-After)'] },
    },
    {
      method: 'post',
      path: '/api/v1/me/mfa/totp',
      operationId: 'startTotpEnrolment',
      tag: 'Me',
      summary: 'Start TOTP enrolment (password required): a new secret, pending until confirmed',
      security: 'bearer',
      request: mfa.startEnrolment,
      success: ok(responses.mfaEnrolmentResponse),
      problems: { ...reauthProblems, 409: ['MFA_ALREADY_ENABLED'] },
    },
    {
      method: 'post',
      path: '/api/v1/me/mfa/totp/confirm',
      operationId: 'confirmTotpEnrolment',
      tag: 'Me',
      summary: 'Confirm enrolment with a code: MFA is on, this session counts as ["pwd","otp"]',
      security: 'bearer',
      request: mfa.confirmEnrolment,
      success: ok(responses.recoveryCodesResponse),
      problems: {
        400: ['MFA_CODE_INVALID'],
        409: ['MFA_NOT_ENABLED (no enrolment started)', 'MFA_ALREADY_ENABLED'],
        429: ['RATE_LIMITED'],
      },
    },
    {
      method: 'delete',
      path: '/api/v1/me/mfa/totp',
      operationId: 'disableTotp',
      tag: 'Me',
      summary: 'Turn MFA off (password and code required)',
      security: 'bearer',
      request: mfa.disable,
      success: noContent('MFA is off'),
      problems: { ...reauthProblems, 400: ['MFA_CODE_INVALID'], 409: ['MFA_NOT_ENABLED'] },
    },
    {
      method: 'post',
      path: '/api/v1/me/mfa/recovery-codes',
      operationId: 'regenerateRecoveryCodes',
      tag: 'Me',
      summary: 'Replace the recovery codes (password and code required); the old ones stop working',
      security: 'bearer',
      request: mfa.regenerateRecoveryCodes,
      success: ok(responses.recoveryCodesResponse),
      problems: { ...reauthProblems, 400: ['MFA_CODE_INVALID'], 409: ['MFA_NOT_ENABLED'] },
    },
    {
      method: 'post',
      path: '/api/v1/me/email',
      operationId: 'requestEmailChange',
      tag: 'Me',
      summary:
        'Change the address: verified by a link to the new one; the old one gets a revert link (EMAIL_REVERT_TTL). At most one mail per address and kind per MAIL_RESEND_INTERVAL: a request inside it answers 202 and sends nothing',
      security: 'bearer',
      request: recovery.changeEmail,
      success: accepted('Accepted, empty body: the address changes only when the link mailed to the new address is used'),
      problems: {
        400: ['VALIDATION_FAILED (also when newEmail is the current address)', 'MFA_CODE_INVALID'],
        403: ['INVALID_CREDENTIALS (wrong password)'],
        409: ['EMAIL_TAKEN'],
        429: ['RATE_LIMITED (too many wrong answers in this session)'],
      },
    },
    {
      method: 'post',
      path: '/api/v1/me/email/verification',
      operationId: 'sendMyVerificationEmail',
      tag: 'Me',
      summary: "Mail the caller's verification link again",
      security: 'bearer',
      request: recovery.resendVerification,
      success: accepted('Accepted, empty body; at most one link per MAIL_RESEND_INTERVAL'),
      problems: { 409: ['EMAIL_ALREADY_VERIFIED'] },
    },
    {
      method: 'get',
      path: '/api/v1/me/sessions',
      operationId: 'listMySessions',
      tag: 'Me',
      summary: 'Active sessions of the caller',
      security: 'bearer',
      success: ok(responses.dataOf(responses.sessionResponse.array())),
    },
    {
      method: 'delete',
      path: '/api/v1/me/sessions/:sessionId',
      operationId: 'revokeMySession',
      tag: 'Me',
      summary: "Sign one of the caller's devices out",
      security: 'bearer',
      request: me.revokeSession,
      success: noContent('Revoked'),
      problems: { 404: ["NOT_FOUND (also when the session is someone else's)"] },
    },
    {
      method: 'get',
      path: '/api/v1/users',
      operationId: 'listUsers',
      tag: 'Users',
      summary: 'List users (moderator, admin)',
      security: 'bearer',
      request: users.list,
      success: ok(responses.pageOf(responses.userResponse)),
      problems: { 403: ['FORBIDDEN'] },
    },
    {
      method: 'get',
      path: '/api/v1/users/:id',
      operationId: 'getUser',
      tag: 'Users',
      summary: 'Get a user (owner, moderator, admin)',
      security: 'bearer',
      request: users.byId,
      success: ok(responses.dataOf(responses.userResponse)),
      problems: { 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] },
    },
    {
      method: 'patch',
      path: '/api/v1/users/:id/role',
      operationId: 'setUserRole',
      tag: 'Users',
      summary: 'Change a role (admin)',
      security: 'bearer',
      request: users.changeRole,
      success: ok(responses.dataOf(responses.userResponse)),
      problems: { 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['LAST_ADMIN'] },
    },
    {
      method: 'patch',
      path: '/api/v1/users/:id/status',
      operationId: 'setUserStatus',
      tag: 'Users',
      summary: 'Enable or disable (admin); disabling ends every session',
      security: 'bearer',
      request: users.changeStatus,
      success: ok(responses.dataOf(responses.userResponse)),
      problems: { 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 409: ['LAST_ADMIN'] },
    },
    {
      method: 'delete',
      path: '/api/v1/users/:id',
      operationId: 'deleteUser',
      tag: 'Users',
      summary: 'Delete a user with all sessions and tokens (admin; or the owner, with password and code as for DELETE /me)',
      security: 'bearer',
      request: users.remove,
      success: noContent('Deleted'),
      problems: {
        400: ['VALIDATION_FAILED (the owner sent no password)', 'MFA_CODE_INVALID'],
        403: ['FORBIDDEN', 'INVALID_CREDENTIALS (owner)'],
        404: ['NOT_FOUND'],
        409: ['LAST_ADMIN'],
        429: ['RATE_LIMITED'],
      },
    },
    {
      method: 'get',
      path: '/api/v1/users/:id/sessions',
      operationId: 'listUserSessions',
      tag: 'Users',
      summary: 'Active sessions of a user (owner, moderator, admin)',
      security: 'bearer',
      request: users.byId,
      success: ok(responses.dataOf(responses.sessionResponse.array())),
      problems: { 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] },
    },
    {
      method: 'delete',
      path: '/api/v1/users/:id/sessions',
      operationId: 'revokeUserSessions',
      tag: 'Users',
      summary: 'Sign a user out everywhere (admin)',
      security: 'bearer',
      request: users.revokeSessions,
      success: noContent('Revoked'),
      problems: { 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] },
    },
    {
      method: 'delete',
      path: '/api/v1/users/:id/mfa',
      operationId: 'resetUserMfa',
      tag: 'Users',
      summary: "Turn another user's MFA off (admin): the user's sessions end, pending address changes are void, a notice is mailed",
      security: 'bearer',
      request: mfa.resetByAdmin,
      success: noContent('MFA is off'),
      problems: {
        403: ["FORBIDDEN (also for one's own account: use DELETE /api/v1/me/mfa/totp)"],
        404: ['NOT_FOUND'],
        409: ['MFA_NOT_ENABLED'],
      },
    },
    {
      method: 'delete',
      path: '/api/v1/users/:id/lockout',
      operationId: 'clearUserLockout',
      tag: 'Users',
      summary: "Clear a user's login failures (admin)",
      security: 'bearer',
      request: users.unlock,
      success: noContent('Unlocked'),
      problems: { 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] },
    },
    {
      method: 'get',
      path: '/api/v1/audit-events',
      operationId: 'listAuditEvents',
      tag: 'Audit',
      summary: 'Security events, newest first (moderator, admin)',
      security: 'bearer',
      request: audit.list,
      success: ok(responses.pageOf(responses.auditEventResponse)),
      problems: { 403: ['FORBIDDEN'] },
    },
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      operationId: 'getJwks',
      tag: 'Keys',
      summary:
        'The published signing keys (public JWKs: next, current, retired) for verifying access tokens; Cache-Control max-age JWKS_MAX_AGE, ETag, 304 on If-None-Match; not rate-limited',
      security: 'none',
      success: ok(jwksResponse),
    },
    {
      method: 'get',
      path: '/.well-known/openid-configuration',
      operationId: 'getOpenIdConfiguration',
      tag: 'Keys',
      summary: 'Discovery for verifiers: the token issuer and the JWKS address (Keyhold is not an OpenID Provider)',
      security: 'none',
      success: ok(discoveryResponse),
    },
    {
      method: 'get',
      path: '/api/v1/signing-keys',
      operationId: 'listSigningKeys',
      tag: 'Keys',
      summary: 'The key ring: every published key with its state and dates, never key material (admin, keys:manage)',
      security: 'bearer',
      request: keys.list,
      success: ok(responses.dataOf(z.array(signingKeyResponse))),
      problems: { 403: ['FORBIDDEN'] },
    },
    {
      method: 'post',
      path: '/api/v1/signing-keys/rotate',
      operationId: 'rotateSigningKeys',
      tag: 'Keys',
      summary:
        'Publish a next key that signs after JWKS_MAX_AGE (an existing next key is returned as it is); with immediate: true, it signs at once and the current key retires',
      security: 'bearer',
      request: keys.rotate,
      success: {
        status: 201,
        description: 'The next key, or with immediate the new current key',
        schema: responses.dataOf(signingKeyResponse),
      },
      problems: { 403: ['FORBIDDEN'] },
    },
    {
      method: 'delete',
      path: '/api/v1/signing-keys/:kid',
      operationId: 'revokeSigningKey',
      tag: 'Keys',
      summary:
        'Revoke a compromised key: gone from the JWKS, its tokens refused on every instance within SIGNING_KEY_RELOAD; revoking the current key makes another current',
      security: 'bearer',
      request: keys.revoke,
      success: noContent('Revoked'),
      problems: { 403: ['FORBIDDEN'], 404: ['NOT_FOUND'] },
    },
    ...habitOperations(habits),
  ];
}

const NOT_OWN = "NOT_FOUND (unknown id, or another user's habit: the same answer)";
const DATE_PROBLEMS = [
  'VALIDATION_FAILED (malformed date such as 2026-02-30)',
  `CHECK_IN_DATE_INVALID (after the user's today, or more than HABIT_BACKFILL_DAYS before it)`,
];

/** The habits routes and the settings they are counted by. */
function habitOperations(habits: ReturnType<typeof createHabitsSchemas>): Operation[] {
  const ok = (schema: ZodType) => ({ status: 200 as const, description: 'OK', schema });
  const operation = (fields: Omit<Operation, 'tag' | 'security'>): Operation => ({ tag: 'Habits', security: 'bearer', ...fields });
  return [
    operation({
      method: 'get',
      path: '/api/v1/me/settings',
      operationId: 'getMySettings',
      summary: "The caller's settings",
      success: ok(settingsEnvelopeResponse),
    }),
    operation({
      method: 'patch',
      path: '/api/v1/me/settings',
      operationId: 'updateMySettings',
      summary: 'Change the time zone (IANA), week start (0 = Sunday), locale (BCP 47) or the weekly summary mail',
      request: habits.updateSettings,
      success: ok(settingsEnvelopeResponse),
    }),
    operation({
      method: 'get',
      path: '/api/v1/habits',
      operationId: 'listHabits',
      summary: "The caller's active habits (archived=true: the archived ones) by order, with streaks",
      request: habits.list,
      success: ok(habitsListResponse),
    }),
    operation({
      method: 'post',
      path: '/api/v1/habits',
      operationId: 'createHabit',
      summary: 'Create a habit',
      request: habits.create,
      success: { status: 201, description: 'Created', schema: habitEnvelopeResponse },
      problems: { 409: ['HABIT_NAME_TAKEN', 'HABIT_LIMIT_REACHED (HABITS_MAX)'] },
    }),
    operation({
      method: 'put',
      path: '/api/v1/habits/order',
      operationId: 'reorderHabits',
      summary: "Order the caller's active habits: ids lists each exactly once",
      request: habits.reorder,
      success: { status: 204, description: 'Reordered' },
    }),
    operation({
      method: 'get',
      path: '/api/v1/habits/:id',
      operationId: 'getHabit',
      summary: 'One habit',
      request: habits.byId,
      success: ok(habitEnvelopeResponse),
      problems: { 404: [NOT_OWN] },
    }),
    operation({
      method: 'patch',
      path: '/api/v1/habits/:id',
      operationId: 'updateHabit',
      summary: 'Change a habit (any field but the computed ones); archiving frees its name',
      request: habits.update,
      success: ok(habitEnvelopeResponse),
      problems: { 404: [NOT_OWN], 409: ['HABIT_NAME_TAKEN'] },
    }),
    operation({
      method: 'delete',
      path: '/api/v1/habits/:id',
      operationId: 'deleteHabit',
      summary: 'Delete a habit with its check-ins',
      request: habits.remove,
      success: { status: 204, description: 'Deleted' },
      problems: { 404: [NOT_OWN] },
    }),
    operation({
      method: 'get',
      path: '/api/v1/habits/:id/stats',
      operationId: 'getHabitStats',
      summary: 'Streaks, completion over the last 7 and 30 days, and the total of check-ins',
      request: habits.byId,
      success: ok(habitStatsEnvelopeResponse),
      problems: { 404: [NOT_OWN] },
    }),
    operation({
      method: 'get',
      path: '/api/v1/habits/:id/check-ins',
      operationId: 'listCheckIns',
      summary: 'The checked days from `from` to `to` (at most 366 days)',
      request: habits.listCheckIns,
      success: ok(checkInDatesResponse),
      problems: { 404: [NOT_OWN] },
    }),
    operation({
      method: 'put',
      path: '/api/v1/habits/:id/check-ins/:date',
      operationId: 'checkIn',
      summary: "Mark the user's calendar day done (idempotent)",
      request: habits.checkIn,
      success: ok(checkedHabitResponse),
      problems: { 400: DATE_PROBLEMS, 404: [NOT_OWN] },
    }),
    operation({
      method: 'delete',
      path: '/api/v1/habits/:id/check-ins/:date',
      operationId: 'undoCheckIn',
      summary: 'Mark the day not done (idempotent)',
      request: habits.checkIn,
      success: ok(checkedHabitResponse),
      problems: { 400: DATE_PROBLEMS, 404: [NOT_OWN] },
    }),
  ];
}
