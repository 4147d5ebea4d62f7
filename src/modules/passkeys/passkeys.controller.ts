import type { Request, Response } from 'express';
import { clientInfoOf } from '../../lib/client-info';
import { inputOf } from '../../middleware/validate';
import { authOf } from '../users';
import type { PasskeyRegistrationService } from './passkey-registration.service';
import type { PasskeysSchemas } from './passkeys.schemas';
import type { PasskeysService } from './passkeys.service';

export function createPasskeysController(deps: {
  registration: PasskeyRegistrationService;
  passkeys: PasskeysService;
  schemas: PasskeysSchemas;
}) {
  const { registration, passkeys, schemas } = deps;
  return {
    async registrationOptions(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.registrationOptions);
      res.json({ data: { options: await registration.startRegistration(authOf(req), body, clientInfoOf(req)) } });
    },

    async register(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.register);
      res.status(201).json({ data: { passkey: await registration.register(authOf(req), body, clientInfoOf(req)) } });
    },

    async list(req: Request, res: Response): Promise<void> {
      res.json({ data: await passkeys.listMine(authOf(req)) });
    },

    async rename(req: Request, res: Response): Promise<void> {
      const { params, body } = inputOf(res, schemas.rename);
      res.json({ data: { passkey: await passkeys.rename(authOf(req), params.id, body.name) } });
    },

    async remove(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.remove);
      await passkeys.remove(authOf(req), params.id, clientInfoOf(req));
      res.status(204).end();
    },

    async removeAllByAdmin(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.removeAllByAdmin);
      await passkeys.removeAllByAdmin(authOf(req), params.id, clientInfoOf(req));
      res.status(204).end();
    },
  };
}
