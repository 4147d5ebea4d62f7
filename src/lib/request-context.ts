import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
  userId?: string;
}

/** Carries the request id (and the caller once known) to every log line written while serving a request. */
export const requestContext = new AsyncLocalStorage<RequestContext>();
