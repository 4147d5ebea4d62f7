/** Stable codes for a refused request; Keyhold answers with the same codes. */
export type KeyholdErrorCode = 'UNAUTHENTICATED' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'FORBIDDEN' | 'SERVICE_UNAVAILABLE';

const STATUS_OF: Record<KeyholdErrorCode, 401 | 403 | 503> = {
  UNAUTHENTICATED: 401,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  SERVICE_UNAVAILABLE: 503,
};

/**
 * Why a token (or the request carrying it) was refused: an HTTP status, a stable code and a sentence for
 * people. `verify()` rejects with this error only; the middleware turns it into problem+json.
 */
export class KeyholdTokenError extends Error {
  readonly status: 401 | 403 | 503;
  readonly code: KeyholdErrorCode;
  /** Set for SERVICE_UNAVAILABLE: seconds after which trying again can succeed. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: KeyholdErrorCode, message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyholdTokenError';
    this.code = code;
    this.status = STATUS_OF[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function tokenInvalid(cause?: unknown): KeyholdTokenError {
  return new KeyholdTokenError('TOKEN_INVALID', 'The access token is not valid.', { cause });
}

export function tokenExpired(cause?: unknown): KeyholdTokenError {
  return new KeyholdTokenError('TOKEN_EXPIRED', 'The access token has expired.', { cause });
}
