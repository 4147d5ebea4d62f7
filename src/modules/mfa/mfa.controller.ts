import type { Request, Response } from 'express';
import { authOf } from '../auth';
import { inputOf } from '../../middleware/validate';
import type { MfaSchemas } from './mfa.schemas';
import type { MfaService } from './mfa.service';
import type { UserService } from '../users';
import { clientInfoOf } from '../sessions';

export function createMfaController(deps: { mfa: MfaService; users: UserService; schemas: MfaSchemas }) {
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

    async unlock(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.unlock);
      await deps.users.unlockAccount(authOf(req), params.id, clientInfoOf(req));
      res.status(204).end();
    },
  };
}
