import { Router, type RequestHandler } from 'express';
import { validate } from '../../middleware/validate';
import type { createMeController } from './me.controller';
import type { MeSchemas } from './me.schemas';

export function createMeRouter(deps: {
  controller: ReturnType<typeof createMeController>;
  schemas: MeSchemas;
  authenticate: RequestHandler;
  /** Re-authenticating routes get the auth routes' per-IP budget: they check a password. */
  authLimiter: RequestHandler;
}): Router {
  const { controller, schemas, authLimiter } = deps;
  const router = Router();
  router.use(deps.authenticate);
  router.get('/', controller.show);
  router.patch('/', validate(schemas.updateProfile), controller.update);
  router.delete('/', authLimiter, validate(schemas.deleteAccount), controller.deleteAccount);
  router.post('/password', authLimiter, validate(schemas.changePassword), controller.changePassword);
  router.get('/sessions', controller.listSessions);
  router.delete('/sessions/:sessionId', validate(schemas.revokeSession), controller.revokeSession);
  return router;
}
