/** One field problem of a 400 `VALIDATION_FAILED`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * A problem response (RFC 9457) of the service, or a response that is not one (then `code` is
 * `UNEXPECTED_RESPONSE`). `problem` holds every member, such as `mfaToken` of `MFA_REQUIRED`.
 */
export class KeyholdError extends Error {
  override readonly name = 'KeyholdError';
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldProblem[];
  /** Seconds to wait before trying again (429, 503), from `Retry-After`. */
  readonly retryAfter: number | undefined;
  readonly requestId: string | undefined;
  readonly problem: Readonly<Record<string, unknown>>;

  constructor(status: number, problem: Record<string, unknown>, retryAfter?: number) {
    const code = typeof problem['code'] === 'string' ? problem['code'] : 'UNEXPECTED_RESPONSE';
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : `The service answered ${status}.`;
    super(`${code}: ${detail}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.errors = Array.isArray(problem['errors']) ? (problem['errors'] as FieldProblem[]) : [];
    this.retryAfter = retryAfter;
    this.requestId = typeof problem['requestId'] === 'string' ? problem['requestId'] : undefined;
    this.problem = problem;
  }
}

/** 401 codes after which a refresh and one retry can help. */
export const REFRESHABLE_CODES: ReadonlySet<string> = new Set(['TOKEN_EXPIRED', 'TOKEN_INVALID']);
