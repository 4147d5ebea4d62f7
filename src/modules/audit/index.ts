export { AUDIT_EVENT_TYPES } from './audit-event.model';
export { createAuditController } from './audit.controller';
export { createAuditRouter } from './audit.routes';
export { createAuditSchemas } from './audit.schemas';
export { type AuditService, createAuditService } from './audit.service';
export { auditEventResponse, type AuditEventView } from './audit.response';
