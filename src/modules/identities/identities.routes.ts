import { Router, type RequestHandler } from 'express';
import { validate } from '../../middleware/validate';
import type { IdentitiesController } from './identities.controller';
import type { IdentitiesSchemas } from './identities.schemas';

/** `/auth/oauth`: the public steps of signing in with a provider (the code exchange is the auth module's). */
export function createOAuthRouter(deps: { controller: IdentitiesController; schemas: IdentitiesSchemas }): Router {
  const { controller, schemas } = deps;
  const router = Router();
  router.get('/providers', validate(schemas.listProviders), controller.listProviders);
  router.get('/:provider/start', validate(schemas.start), controller.start);
  router.get('/:provider/callback', validate(schemas.callback), controller.callback);
  return router;
}

/** `/me/identities`: the caller's linked providers. */
export function createMyIdentitiesRouter(deps: {
  controller: IdentitiesController;
  schemas: IdentitiesSchemas;
  authenticate: RequestHandler;
  /** Starting a link checks a password: the auth routes' per-IP budget. */
  authLimiter: RequestHandler;
}): Router {
  const { controller, schemas, authenticate, authLimiter } = deps;
  const router = Router();
  router.get('/', authenticate, validate(schemas.listMine), controller.listMine);
  router.post('/:provider', authenticate, authLimiter, validate(schemas.startLink), controller.startLink);
  router.delete('/:provider', authenticate, validate(schemas.unlink), controller.unlink);
  return router;
}
