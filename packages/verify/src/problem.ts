import type { KeyholdTokenError } from './errors.js';

/** An RFC 9457 problem, shaped like Keyhold's own (same `type` URIs and codes). */
export interface KeyholdProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}

/** Everything an HTTP answer to a refused request needs, for frameworks other than Express. */
export interface KeyholdProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: KeyholdProblem;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const TITLES: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' };

/** RFC 6750 section 3: a bare challenge when no token came, `invalid_token` when one came and failed. */
function challengeOf(error: KeyholdTokenError): string {
  if (error.code === 'TOKEN_EXPIRED') return 'Bearer error="invalid_token", error_description="The access token expired"';
  if (error.code === 'TOKEN_INVALID') return 'Bearer error="invalid_token", error_description="The access token is not valid"';
  return 'Bearer';
}

/** The status, headers and problem+json body that answer a refused request. */
export function problemResponseOf(error: KeyholdTokenError): KeyholdProblemResponse {
  const headers: Record<string, string> = { 'Content-Type': PROBLEM_CONTENT_TYPE, 'Cache-Control': 'no-store' };
  if (error.status === 401) headers['WWW-Authenticate'] = challengeOf(error);
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  return {
    status: error.status,
    headers,
    body: {
      type: `https://keyhold.dev/problems/${error.code.toLowerCase().replace(/_/g, '-')}`,
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      detail: error.message,
      code: error.code,
    },
  };
}
