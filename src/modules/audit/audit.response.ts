import { z } from 'zod';
import { idResponse, locationResponse, timestampResponse } from '../../lib/response.schemas';
import { AUDIT_EVENT_TYPES } from './audit-event.model';

export const auditEventResponse = z
  .strictObject({
    id: idResponse,
    type: z.enum(AUDIT_EVENT_TYPES),
    actorId: idResponse.nullable(),
    targetId: idResponse.nullable(),
    sessionId: idResponse.nullable(),
    ip: z.string().nullable(),
    location: locationResponse.nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: timestampResponse,
  })
  .meta({ id: 'AuditEvent' });
export type AuditEventView = z.infer<typeof auditEventResponse>;
