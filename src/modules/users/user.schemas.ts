import { z } from 'zod';
import type { Config } from '../../config/env';
import { ROLES } from '../../config/roles';
import { currentPasswordSchema, emptyBodySchema, mfaCodeSchema, objectIdSchema, paginationQuery } from '../../lib/common.schemas';
import { USER_STATUSES } from './user.model';
import { USER_SORTS } from './user.service';

const userIdParams = z.strictObject({ id: objectIdSchema });

/** Request schemas of the /users routes; page sizes come from configuration. */
export function createUserSchemas(pagination: Config['pagination']) {
  return {
    list: {
      query: z.strictObject({
        ...paginationQuery(pagination),
        role: z.enum(ROLES).optional(),
        status: z.enum(USER_STATUSES).optional(),
        q: z.string().trim().min(1).max(100).optional(),
        sort: z.enum(USER_SORTS).default('-createdAt'),
      }),
    },
    byId: { params: userIdParams },
    changeRole: { params: userIdParams, body: z.strictObject({ role: z.enum(ROLES) }) },
    changeStatus: { params: userIdParams, body: z.strictObject({ status: z.enum(USER_STATUSES) }) },
    remove: {
      params: userIdParams,
      // Required when deleting one's own account (the controller checks); ignored for an admin deleting someone else.
      body: z.strictObject({ password: currentPasswordSchema.optional(), code: mfaCodeSchema.optional() }).optional(),
    },
    revokeSessions: { params: userIdParams, body: emptyBodySchema },
    unlock: { params: userIdParams, body: emptyBodySchema },
  };
}

export type UserSchemas = ReturnType<typeof createUserSchemas>;
