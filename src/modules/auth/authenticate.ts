import type { NextFunction, Request, Response } from 'express';
import { UnauthenticatedError } from '../../errors/app-error';
import type { AccessTokenIssuer } from './access-token';
import { requestContext } from '../../lib/request-context';
import type { AuthContext, SessionService } from '../sessions';
import type { Role } from '../../config/roles';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      auth?: AuthContext;
      /** True when the caller's role must use a second factor and this session has none (see requireSecondFactorFor). */
      secondFactorMissing?: boolean;
    }
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The bearer token of a request, if it carries one. */
export function bearerTokenOf(req: Request): string | undefined {
  return BEARER.exec(req.get('authorization') ?? '')?.[1];
}

/** The authenticated caller; only call behind `authenticate`. */
export function authOf(req: Request): AuthContext {
  if (!req.auth) throw new UnauthenticatedError();
  return req.auth;
}

/**
 * Bearer authentication: a valid access token whose session, user and role are checked now.
 * Also notes whether the caller's role needs a second factor this session lacks (MFA_REQUIRED_ROLES).
 */
export function createAuthenticate(accessTokens: AccessTokenIssuer, sessions: SessionService, mfaRequiredRoles: readonly Role[] = []) {
  return async function authenticate(req: Request, _res: Response, next: NextFunction): Promise<void> {
    const token = bearerTokenOf(req);
    if (!token) throw new UnauthenticatedError('UNAUTHENTICATED', 'Send an access token as "Authorization: Bearer <token>".');
    req.auth = await sessions.authenticate(accessTokens.verify(token));
    req.secondFactorMissing = mfaRequiredRoles.includes(req.auth.role) && !req.auth.session.amr?.includes('otp');
    const context = requestContext.getStore();
    if (context) context.userId = req.auth.userId;
    next();
  };
}
