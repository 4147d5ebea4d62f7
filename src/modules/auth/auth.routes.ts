import { Router, type RequestHandler } from 'express';
import type { AccountRecoveryController, AccountRecoverySchemas } from '../account-recovery';
import type { createAuthController } from './auth.controller';
import { rejectCrossSiteRequests } from '../../middleware/csrf';
import { validate } from '../../middleware/validate';
import type { AuthSchemas } from './auth.schemas';

export function createAuthRouter(deps: {
  controller: ReturnType<typeof createAuthController>;
  schemas: AuthSchemas;
  recovery: { controller: AccountRecoveryController; schemas: AccountRecoverySchemas };
  authenticate: RequestHandler;
  authLimiter: RequestHandler;
  allowedOrigins: readonly string[];
}): Router {
  const { controller, schemas, authenticate } = deps;
  const rejectCrossSite = rejectCrossSiteRequests(deps.allowedOrigins);
  const router = Router();
  router.use(deps.authLimiter);
  router.post('/register', validate(schemas.register), controller.register);
  router.post('/login', validate(schemas.login), controller.login);
  router.post('/mfa/verify', validate(schemas.verifyMfa), controller.verifyMfa);
  router.post('/refresh', rejectCrossSite, validate(schemas.refresh), controller.refresh);
  router.post('/logout', rejectCrossSite, validate(schemas.logout), controller.logout);
  router.post('/logout-all', authenticate, validate(schemas.logoutAll), controller.logoutAll);
  const recovery = deps.recovery.controller;
  const recoverySchemas = deps.recovery.schemas;
  router.post('/password/forgot', validate(recoverySchemas.forgotPassword), recovery.forgotPassword);
  router.post('/password/reset', validate(recoverySchemas.resetPassword), recovery.resetPassword);
  router.post('/email/verify', validate(recoverySchemas.verifyEmail), recovery.verifyEmail);
  router.post('/email/verification', validate(recoverySchemas.requestVerification), recovery.requestVerification);
  router.post('/email/revert', validate(recoverySchemas.revertEmail), recovery.revertEmail);
  return router;
}
