import { Router, type RequestHandler } from 'express';
import type { createMfaController, MfaSchemas } from '../mfa';
import type { createUserController } from './user.controller';
import { allowOwnerOr, requirePermission } from '../auth';
import { validate } from '../../middleware/validate';
import type { UserSchemas } from './user.schemas';

export function createUserRouter(deps: {
  controller: ReturnType<typeof createUserController>;
  schemas: UserSchemas;
  mfa: { controller: ReturnType<typeof createMfaController>; schemas: MfaSchemas };
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
  router.delete('/:id/mfa', requirePermission('status:assign'), validate(deps.mfa.schemas.resetByAdmin), deps.mfa.controller.resetByAdmin);
  router.delete('/:id/lockout', requirePermission('status:assign'), validate(deps.mfa.schemas.unlock), deps.mfa.controller.unlock);
  return router;
}
