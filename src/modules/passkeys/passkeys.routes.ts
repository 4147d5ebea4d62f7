import { Router, type RequestHandler } from 'express';
import { requirePermission } from '../../middleware/authorize';
import { validate } from '../../middleware/validate';
import type { createPasskeysController } from './passkeys.controller';
import type { PasskeysSchemas } from './passkeys.schemas';

/** The caller's own passkeys, under /api/v1/me/passkeys; adding one re-authenticates, so that route gets the auth limit. */
export function createPasskeysRouter(deps: {
  controller: ReturnType<typeof createPasskeysController>;
  schemas: PasskeysSchemas;
  authenticate: RequestHandler;
  authLimiter: RequestHandler;
}): Router {
  const { controller: passkeys, schemas: s, authenticate } = deps;
  const router = Router();
  router.post('/registration-options', authenticate, deps.authLimiter, validate(s.registrationOptions), passkeys.registrationOptions);
  router.post('/', authenticate, validate(s.register), passkeys.register);
  router.get('/', authenticate, validate(s.list), passkeys.list);
  router.patch('/:id', authenticate, validate(s.rename), passkeys.rename);
  router.delete('/:id', authenticate, validate(s.remove), passkeys.remove);
  return router;
}

/** An admin's removal of every passkey of another user (account recovery), under /api/v1/users. */
export function createPasskeysAdminRouter(deps: {
  controller: ReturnType<typeof createPasskeysController>;
  schemas: PasskeysSchemas;
  authenticate: RequestHandler;
}): Router {
  const router = Router();
  router.delete(
    '/:id/passkeys',
    deps.authenticate,
    requirePermission('status:assign'),
    validate(deps.schemas.removeAllByAdmin),
    deps.controller.removeAllByAdmin,
  );
  return router;
}
