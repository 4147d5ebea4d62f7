import type { Request, Response } from 'express';
import { clientInfoOf } from '../../lib/client-info';
import { inputOf } from '../../middleware/validate';
import { authOf } from '../users';
import type { MfaSchemas } from './mfa.schemas';
import type { MfaService } from './mfa.service';

export function createMfaController(deps: { mfa: MfaService; schemas: MfaSchemas }) {
  const { mfa, schemas } = deps;
  return {
    async startEnrolment(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.startEnrolment);
      res.json({ data: await mfa.startEnrolment(authOf(req), body.password, clientInfoOf(req)) });
    },

    async confirmEnrolment(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.confirmEnrolment);
      res.json({ data: await mfa.confirmEnrolment(authOf(req), body.code, clientInfoOf(req)) });
    },

    async disable(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.disable);
      await mfa.disable(authOf(req), body, clientInfoOf(req));
      res.status(204).end();
    },

    async regenerateRecoveryCodes(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.regenerateRecoveryCodes);
      res.json({ data: await mfa.regenerateRecoveryCodes(authOf(req), body, clientInfoOf(req)) });
    },

    async resetByAdmin(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.resetByAdmin);
      await mfa.resetByAdmin(authOf(req), params.id, clientInfoOf(req));
      res.status(204).end();
    },
  };
}
