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
    readonly options: { errors?: FieldProblem[]; retryAfterSeconds?: number; headers?: Record<string, string> } = {},
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

/**
 * 503 BUSY: a bounded resource (password hashing, a shared lock) cannot take the request in time.
 * Nothing was checked or changed, so the client may simply retry after `retryAfterSeconds`.
 */
export class BusyError extends AppError {
  constructor(retryAfterSeconds: number, message = 'The service is busy; try again shortly.') {
    super(503, 'BUSY', message, { retryAfterSeconds });
  }
}
