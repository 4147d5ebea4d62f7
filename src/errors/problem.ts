import type { FieldProblem } from './app-error';

/** RFC 9457 problem details as Keyhold renders them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: FieldProblem[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Builds the problem body; `type` is a stable URI per code that documentation can anchor. */
export function buildProblem(input: {
  status: number;
  code: string;
  detail: string;
  requestId: string;
  errors?: FieldProblem[];
  extensions?: Record<string, string | number>;
}): Problem {
  return {
    ...input.extensions,
    type: `https://keyhold.dev/problems/${input.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[input.status] ?? 'Error',
    status: input.status,
    detail: input.detail,
    code: input.code,
    requestId: input.requestId,
    ...(input.errors && input.errors.length > 0 ? { errors: input.errors } : {}),
  };
}
