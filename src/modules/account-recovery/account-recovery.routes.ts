import { Router, type RequestHandler } from 'express';
import { validate } from '../../middleware/validate';
import type { AccountRecoveryController } from './account-recovery.controller';
import type { AccountRecoverySchemas } from './account-recovery.schemas';

/** The public recovery routes under /api/v1/auth: reset, verification, revert (app.ts applies the auth limit). */
export function createRecoveryRouter(deps: { controller: AccountRecoveryController; schemas: AccountRecoverySchemas }): Router {
  const { controller: recovery, schemas: s } = deps;
  const router = Router();
  router.post('/password/forgot', validate(s.forgotPassword), recovery.forgotPassword);
  router.post('/password/reset', validate(s.resetPassword), recovery.resetPassword);
  router.post('/email/verify', validate(s.verifyEmail), recovery.verifyEmail);
  router.post('/email/verification', validate(s.requestVerification), recovery.requestVerification);
  router.post('/email/revert', validate(s.revertEmail), recovery.revertEmail);
  return router;
}

/** The caller's own address routes under /api/v1/me. */
export function createMyAddressRouter(deps: {
  controller: AccountRecoveryController;
  schemas: AccountRecoverySchemas;
  authenticate: RequestHandler;
  /** Changing the address checks a password: the auth routes' per-IP budget applies. */
  authLimiter: RequestHandler;
}): Router {
  const { controller: recovery, schemas: s, authenticate } = deps;
  const router = Router();
  router.post('/email', authenticate, deps.authLimiter, validate(s.changeEmail), recovery.changeEmail);
  router.post('/email/verification', authenticate, validate(s.resendVerification), recovery.resendVerification);
  return router;
}
