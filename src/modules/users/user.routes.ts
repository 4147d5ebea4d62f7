import { Router, type RequestHandler } from 'express';
import { allowOwnerOr, requirePermission } from '../../middleware/authorize';
import { validate } from '../../middleware/validate';
import type { createUserController } from './user.controller';
import type { UserSchemas } from './user.schemas';

export function createUserRouter(deps: {
  controller: ReturnType<typeof createUserController>;
  schemas: UserSchemas;
  authenticate: RequestHandler;
  /** Deleting one's own account checks a password: the auth routes' per-IP budget applies. */
  authLimiter: RequestHandler;
}): Router {
  const { controller: users, schemas: s } = deps;
  const router = Router();
  router.use(deps.authenticate);
  router.get('/', requirePermission('users:read'), validate(s.list), users.list);
  router.get('/:id', validate(s.byId), allowOwnerOr('users:read'), users.show);
  router.patch('/:id/role', requirePermission('roles:assign'), validate(s.changeRole), users.changeRole);
  router.patch('/:id/status', requirePermission('status:assign'), validate(s.changeStatus), users.changeStatus);
  router.delete('/:id', deps.authLimiter, validate(s.remove), allowOwnerOr('users:delete'), users.remove);
  router.get('/:id/sessions', validate(s.byId), allowOwnerOr('sessions:read'), users.listSessions);
  router.delete('/:id/sessions', requirePermission('sessions:revoke'), validate(s.revokeSessions), users.revokeSessions);
  router.delete('/:id/lockout', requirePermission('status:assign'), validate(s.unlock), users.unlock);
  return router;
}
