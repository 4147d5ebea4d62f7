/**
 * What a person reads for each problem code of the contract (docs: API.md), instead of a blank or raw JSON.
 * `retryAfter` (seconds) fills in "try again in ..." where the server said when.
 */
export interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  retryAfter?: number;
}

function inSeconds(retryAfter: number | undefined): string {
  if (!retryAfter || retryAfter <= 0) return 'in a moment';
  if (retryAfter < 90) return `in ${retryAfter} second${retryAfter === 1 ? '' : 's'}`;
  return `in ${Math.ceil(retryAfter / 60)} minutes`;
}

const MESSAGES: Record<string, (problem: Problem) => string> = {
  VALIDATION_FAILED: () => 'Some fields need another look.',
  INVALID_CREDENTIALS: () => 'That e-mail address and password do not match an account.',
  ACCOUNT_DISABLED: () => 'This account has been disabled. Contact the administrator.',
  EMAIL_NOT_VERIFIED: () => 'Please confirm your e-mail address first: use the link we sent you.',
  EMAIL_TAKEN: () => 'An account with this e-mail address already exists.',
  EMAIL_ALREADY_VERIFIED: () => 'Your e-mail address is already confirmed.',
  PASSWORD_TOO_COMMON: () => 'This password is too common or too easy to guess. Choose another one.',
  RATE_LIMITED: (p) => `Too many attempts. For your safety, try again ${inSeconds(p.retryAfter)}.`,
  BUSY: (p) => `The service is busy right now. Please try again ${inSeconds(p.retryAfter)}.`,
  SERVICE_UNAVAILABLE: (p) => `The service is unavailable right now. Please try again ${inSeconds(p.retryAfter)}.`,
  MFA_CODE_INVALID: () => 'That code is not right. Enter the current 6-digit code from your app, or a recovery code.',
  MFA_TOKEN_INVALID: () => 'This sign-in attempt has expired or had too many wrong codes. Sign in again.',
  MFA_ALREADY_ENABLED: () => 'Two-step verification is already on.',
  MFA_NOT_ENABLED: () => 'Two-step verification is not on, or its set-up was not started.',
  RESET_TOKEN_INVALID: () => 'This password-reset link has expired or was already used. Ask for a new one.',
  VERIFICATION_TOKEN_INVALID: () => 'This confirmation link has expired or was already used. Sign in to get a new one.',
  PASSKEY_INVALID: () => "The passkey could not be added: the request expired or the browser's answer was not accepted. Try again.",
  OAUTH_STATE_INVALID: () => 'This sign-in took too long, was already used or was started in another browser. Start again from this page.',
  OAUTH_FAILED: () => 'The sign-in provider did not confirm who you are. Try again, or sign in another way.',
  OAUTH_CODE_INVALID: () => 'This sign-in has expired or was already used. Start again from the sign-in page.',
  ACCOUNT_EXISTS: () =>
    'An account with this e-mail address already exists. Sign in with your password or passkey, then link the provider in your account settings.',
  IDENTITY_TAKEN: () => 'This provider account is already linked to another Keyhold account, so it was not linked to yours.',
  LAST_SIGN_IN_METHOD: () => 'This is your last way to sign in, so it cannot be removed.',
  PASSKEY_LIMIT_REACHED: () => 'You have as many passkeys as this service allows. Remove one before adding another.',
  NOT_FOUND: () => 'That no longer exists. It may have been removed already.',
  SESSION_REVOKED: () => 'You have been signed out. Please sign in again.',
  UNAUTHENTICATED: () => 'You have been signed out. Please sign in again.',
  CSRF_REJECTED: () => 'The request was refused for your safety. Reload the page and try again.',
  PAYLOAD_TOO_LARGE: () => 'That is too long.',
};

/** The revert link uses the verification token rules but a message of its own. */
export const REVERT_LINK_INVALID = 'This link has expired or was already used, so the address was not changed back.';

export function messageFor(problem: Problem): string {
  const message = MESSAGES[problem.code];
  if (message) return message(problem);
  if (problem.status >= 500) return 'Something went wrong on our side. Please try again.';
  return problem.detail ?? 'That did not work. Please try again.';
}

/** Why a browser's passkey dialog ended without a passkey (WebAuthn DOMExceptions, @simplewebauthn's WebAuthnError). */
const PASSKEY_CEREMONY_MESSAGES: Record<string, string> = {
  NotAllowedError: 'No passkey was used: the request was cancelled or timed out.',
  AbortError: 'No passkey was used: the request was cancelled.',
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED: 'This device already holds a passkey for your account.',
  InvalidStateError: 'This device already holds a passkey for your account.',
  SecurityError: 'Passkeys cannot be used on this address.',
};

/** A failed passkey ceremony in the browser as a sentence; undefined for any other error. */
export function passkeyCeremonyMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  const cause = (error as Error & { cause?: unknown }).cause;
  return (
    (typeof code === 'string' ? PASSKEY_CEREMONY_MESSAGES[code] : undefined) ??
    PASSKEY_CEREMONY_MESSAGES[error.name] ??
    (cause instanceof Error ? PASSKEY_CEREMONY_MESSAGES[cause.name] : undefined)
  );
}

/** A network failure (offline, server gone) is not a problem document; say so plainly. */
export const NETWORK_MESSAGE = 'The service cannot be reached. Check your connection and try again.';
