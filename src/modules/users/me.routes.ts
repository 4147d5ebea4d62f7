import { Router, type RequestHandler } from 'express';
import type { AccountRecoveryController, AccountRecoverySchemas } from '../account-recovery';
import type { createMeController } from './me.controller';
import { validate } from '../../middleware/validate';
import type { MeSchemas } from './me.schemas';

export function createMeRouter(deps: {
  controller: ReturnType<typeof createMeController>;
  schemas: MeSchemas;
  recovery: { controller: AccountRecoveryController; schemas: AccountRecoverySchemas };
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
  router.post('/email', authLimiter, validate(deps.recovery.schemas.changeEmail), deps.recovery.controller.changeEmail);
  router.post('/email/verification', validate(deps.recovery.schemas.resendVerification), deps.recovery.controller.resendVerification);
  router.get('/sessions', controller.listSessions);
  router.delete('/sessions/:sessionId', validate(schemas.revokeSession), controller.revokeSession);
  return router;
}
