import { Router, type RequestHandler } from 'express';
import { rejectCrossSiteRequests } from '../../middleware/csrf';
import { validate } from '../../middleware/validate';
import type { createAuthController } from './auth.controller';
import type { AuthSchemas } from './auth.schemas';

export function createAuthRouter(deps: {
  controller: ReturnType<typeof createAuthController>;
  schemas: AuthSchemas;
  authenticate: RequestHandler;
  allowedOrigins: readonly string[];
}): Router {
  const { controller, schemas, authenticate } = deps;
  const rejectCrossSite = rejectCrossSiteRequests(deps.allowedOrigins);
  const router = Router();
  router.post('/register', validate(schemas.register), controller.register);
  router.post('/login', validate(schemas.login), controller.login);
  router.post('/mfa/verify', validate(schemas.verifyMfa), controller.verifyMfa);
  router.post('/passkey/options', validate(schemas.passkeyOptions), controller.passkeyOptions);
  router.post('/passkey/verify', validate(schemas.signInWithPasskey), controller.signInWithPasskey);
  router.post('/oauth/exchange', rejectCrossSite, validate(schemas.exchangeOAuthCode), controller.exchangeOAuthCode);
  router.post('/refresh', rejectCrossSite, validate(schemas.refresh), controller.refresh);
  router.post('/logout', rejectCrossSite, validate(schemas.logout), controller.logout);
  router.post('/logout-all', authenticate, validate(schemas.logoutAll), controller.logoutAll);
  return router;
}
