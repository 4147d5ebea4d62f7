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
  const { controller, schemas, authenticate, authLimiter } = deps;
  const router = Router();
  // Authenticated per route, not router-wide: app.ts mounts this router first under /me (GET /me is
  // the hottest authenticated route), and requests for the other /me routers pass through it.
  router.get('/', authenticate, controller.show);
  router.patch('/', authenticate, validate(schemas.updateProfile), controller.update);
  router.delete('/', authenticate, authLimiter, validate(schemas.deleteAccount), controller.deleteAccount);
  router.post('/password', authenticate, authLimiter, validate(schemas.changePassword), controller.changePassword);
  router.get('/sessions', authenticate, controller.listSessions);
  router.delete('/sessions/:sessionId', authenticate, validate(schemas.revokeSession), controller.revokeSession);
  return router;
}
