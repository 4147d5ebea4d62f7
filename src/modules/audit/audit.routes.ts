import { Router, type RequestHandler } from 'express';
import { requirePermission } from '../../middleware/authorize';
import { validate } from '../../middleware/validate';
import type { createAuditController } from './audit.controller';
import type { AuditSchemas } from './audit.schemas';

export function createAuditRouter(deps: {
  controller: ReturnType<typeof createAuditController>;
  schemas: AuditSchemas;
  authenticate: RequestHandler;
}): Router {
  const router = Router();
  router.use(deps.authenticate);
  router.get('/', requirePermission('audit:read'), validate(deps.schemas.list), deps.controller.list);
  return router;
}
