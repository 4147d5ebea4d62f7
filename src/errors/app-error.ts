export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * An error a client can act on: an HTTP status and a stable UPPER_SNAKE code.
 * Services throw these; only the error middleware turns them into responses.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly options: {
      errors?: FieldProblem[];
      retryAfterSeconds?: number;
      headers?: Record<string, string>;
      /** Extra members of the problem body (RFC 9457 extensions), e.g. the mfaToken of MFA_REQUIRED. */
      extensions?: Record<string, string | number>;
    } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldProblem[], message = 'The request is not valid.') {
    super(400, 'VALIDATION_FAILED', message, { errors });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(code = 'UNAUTHENTICATED', message = 'Authentication is required.') {
    super(401, code, message, { headers: { 'WWW-Authenticate': 'Bearer' } });
  }
}

export class ForbiddenError extends AppError {
  constructor(code = 'FORBIDDEN', message = 'You are not allowed to do this.') {
    super(403, code, message);
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'The resource does not exist.') {
    super(404, 'NOT_FOUND', message);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many attempts; try again later.') {
    super(429, 'RATE_LIMITED', message, { retryAfterSeconds });
  }
}

/** A dependency (the database) cannot serve the request now; nothing was changed, retrying later is safe. */
export class ServiceUnavailableError extends AppError {
  constructor(retryAfterSeconds: number, message = 'The service cannot reach its database; try again shortly.') {
    super(503, 'SERVICE_UNAVAILABLE', message, { retryAfterSeconds });
  }
}

/**
 * 503 BUSY: a bounded resource (password hashing, a shared lock) cannot take the request in time.
 * Nothing was checked or changed, so the client may simply retry after `retryAfterSeconds`.
 */
export class BusyError extends AppError {
  constructor(retryAfterSeconds: number, message = 'The service is busy; try again shortly.') {
    super(503, 'BUSY', message, { retryAfterSeconds });
  }
}

/** The password was right and the account has a second factor: the login continues at /auth/mfa/verify. */
export class MfaRequiredError extends AppError {
  /** `returnTo`: where a provider sign-in was to go, so the frontend still goes there after the second factor. */
  constructor(challenge: { mfaToken: string; expiresIn: number }, options: { returnTo?: string } = {}) {
    super(403, 'MFA_REQUIRED', 'Enter the code from your authenticator app (or a recovery code) to finish signing in.', {
      extensions: { mfaToken: challenge.mfaToken, expiresIn: challenge.expiresIn, ...options },
    });
  }
}
