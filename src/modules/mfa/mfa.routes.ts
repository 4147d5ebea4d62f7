import { Router, type RequestHandler } from 'express';
import { requirePermission } from '../../middleware/authorize';
import { validate } from '../../middleware/validate';
import type { createMfaController } from './mfa.controller';
import type { MfaSchemas } from './mfa.schemas';

/** The caller's own second factor, under /api/v1/me/mfa; every route re-authenticates, so all get the auth limit. */
export function createMfaRouter(deps: {
  controller: ReturnType<typeof createMfaController>;
  schemas: MfaSchemas;
  authenticate: RequestHandler;
  authLimiter: RequestHandler;
}): Router {
  const { controller: mfa, schemas: s } = deps;
  const router = Router();
  router.use(deps.authenticate, deps.authLimiter);
  router.post('/totp', validate(s.startEnrolment), mfa.startEnrolment);
  router.post('/totp/confirm', validate(s.confirmEnrolment), mfa.confirmEnrolment);
  router.delete('/totp', validate(s.disable), mfa.disable);
  router.post('/recovery-codes', validate(s.regenerateRecoveryCodes), mfa.regenerateRecoveryCodes);
  return router;
}

/** An admin's reset of another user's second factor, under /api/v1/users. */
export function createMfaAdminRouter(deps: {
  controller: ReturnType<typeof createMfaController>;
  schemas: MfaSchemas;
  authenticate: RequestHandler;
}): Router {
  const router = Router();
  router.delete(
    '/:id/mfa',
    deps.authenticate,
    requirePermission('status:assign'),
    validate(deps.schemas.resetByAdmin),
    deps.controller.resetByAdmin,
  );
  return router;
}
