import type { Request, Response } from 'express';
import { inputOf } from '../../middleware/validate';
import type { AuditSchemas } from './audit.schemas';
import type { AuditService } from './audit.service';

export function createAuditController(audit: AuditService, schemas: AuditSchemas) {
  return {
    async list(_req: Request, res: Response): Promise<void> {
      const { query } = inputOf(res, schemas.list);
      const { page, limit, ...filter } = query;
      const result = await audit.listEvents(filter, { page, limit });
      res.json({ data: result.items, meta: result.meta });
    },
  };
}
