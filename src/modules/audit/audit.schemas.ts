import { z } from 'zod';
import type { Config } from '../../config/env';
import { AUDIT_EVENT_TYPES } from './audit-event.model';
import { objectIdSchema, paginationQuery } from '../../lib/common.schemas';

/** Request schemas of the /audit-events routes. */
export function createAuditSchemas(pagination: Config['pagination']) {
  return {
    list: {
      query: z.strictObject({
        ...paginationQuery(pagination),
        type: z.enum(AUDIT_EVENT_TYPES).optional(),
        actorId: objectIdSchema.optional(),
        targetId: objectIdSchema.optional(),
      }),
    },
  };
}

export type AuditSchemas = ReturnType<typeof createAuditSchemas>;
