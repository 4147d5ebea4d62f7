import { createKeyholdClient, KeyholdError } from '@keyhold/client';
import { messageFor, NETWORK_MESSAGE, passkeyCeremonyMessage, type Problem } from './messages';

/** The one SDK client of the pages: same origin as the API, so the refresh cookie rides along. */
export const client = createKeyholdClient({ baseUrl: window.location.origin });

export interface Failure {
  message: string;
  problem?: Problem;
}

/** Whether a failed call is the problem `code` of the contract. */
export function isProblem(error: unknown, code: string): boolean {
  return error instanceof KeyholdError && error.code === code;
}

/** A failed call as a sentence for the page; the problem's field errors go next to the fields. */
export function describeFailure(error: unknown, overrides: Partial<Record<string, (problem: Problem) => string>> = {}): Failure {
  if (error instanceof KeyholdError) {
    const problem: Problem = {
      status: error.status,
      code: error.code,
      detail: error.detail,
      errors: error.errors,
      retryAfter: error.retryAfter,
    };
    return { message: (overrides[problem.code] ?? messageFor)(problem), problem };
  }
  return { message: passkeyCeremonyMessage(error) ?? NETWORK_MESSAGE };
}
