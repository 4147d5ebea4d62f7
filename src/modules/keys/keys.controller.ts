import type { Request, Response } from 'express';
import { callerOf } from '../../lib/caller';
import { clientInfoOf } from '../../lib/client-info';
import { inputOf } from '../../middleware/validate';
import type { KeyActor, KeyRing } from './key-ring.service';
import type { KeysSchemas } from './keys.schemas';

function actorOf(req: Request): KeyActor {
  const caller = callerOf(req);
  return { userId: caller.userId, sessionId: caller.sessionId, ip: clientInfoOf(req).ip };
}

export function createKeysController(ring: KeyRing, schemas: KeysSchemas) {
  return {
    async list(_req: Request, res: Response): Promise<void> {
      res.json({ data: await ring.listKeys() });
    },

    async rotate(req: Request, res: Response): Promise<void> {
      const { body } = inputOf(res, schemas.rotate);
      res.status(201).json({ data: await ring.rotate(body.immediate === true, actorOf(req)) });
    },

    async revoke(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.revoke);
      await ring.revoke(params.kid, actorOf(req));
      res.status(204).end();
    },
  };
}
