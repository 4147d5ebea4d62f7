import type { Request, Response } from 'express';
import { ValidationError } from '../../errors/app-error';
import { clientInfoOf } from '../../lib/client-info';
import { isSameObjectId } from '../../lib/object-id';
import { inputOf } from '../../middleware/validate';
import { authOf } from './caller';
import type { UserSchemas } from './user.schemas';
import type { UserService } from './user.service';

export function createUserController(users: UserService, schemas: UserSchemas) {
  return {
    async list(_req: Request, res: Response): Promise<void> {
      const { query } = inputOf(res, schemas.list);
      const { page, limit, sort, ...filter } = query;
      const result = await users.listUsers(filter, { page, limit }, sort);
      res.json({ data: result.items, meta: result.meta });
    },

    async show(_req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.byId);
      res.json({ data: await users.getUser(params.id) });
    },

    async changeRole(req: Request, res: Response): Promise<void> {
      const { params, body } = inputOf(res, schemas.changeRole);
      res.json({ data: await users.changeRole(authOf(req), params.id, body.role, clientInfoOf(req)) });
    },

    async changeStatus(req: Request, res: Response): Promise<void> {
      const { params, body } = inputOf(res, schemas.changeStatus);
      res.json({ data: await users.changeStatus(authOf(req), params.id, body.status, clientInfoOf(req)) });
    },

    async remove(req: Request, res: Response): Promise<void> {
      const { params, body } = inputOf(res, schemas.remove);
      const auth = authOf(req);
      if (!isSameObjectId(params.id, auth.userId)) {
        await users.deleteUser(auth, params.id, clientInfoOf(req));
      } else if (body?.password === undefined) {
        throw new ValidationError([{ path: 'password', message: 'required to delete your own account' }]);
      } else {
        await users.deleteOwnAccount(auth, { password: body.password, code: body.code }, clientInfoOf(req));
      }
      res.status(204).end();
    },

    async listSessions(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.byId);
      res.json({ data: await users.listUserSessions(params.id, authOf(req)) });
    },

    async revokeSessions(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.revokeSessions);
      await users.revokeUserSessions(authOf(req), params.id, clientInfoOf(req));
      res.status(204).end();
    },

    async unlock(req: Request, res: Response): Promise<void> {
      const { params } = inputOf(res, schemas.unlock);
      await users.unlockAccount(authOf(req), params.id, clientInfoOf(req));
      res.status(204).end();
    },
  };
}
