import type { ZodType } from 'zod';
import type { RequestSchemas } from '../../middleware/validate';

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
    status: 200 | 201 | 202 | 204 | 302;
    description: string;
    schema?: ZodType;
    mediaType?: string;
    setsCookie?: boolean;
    setsDeviceCookie?: boolean;
  };
  /** Problem responses beyond the ones every route of its kind can give (401s on bearer routes, 400s on validated input...). */
  problems?: Partial<Record<400 | 401 | 403 | 404 | 409 | 429 | 503, string[]>>;
}
