import type { NextFunction, Request, Response } from 'express';
import { UnauthenticatedError } from '../errors/app-error';
import type { AccessTokenIssuer } from '../lib/access-token';
import { requestContext } from '../lib/request-context';
import type { AuthContext, SessionService } from '../services/session.service';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      auth?: AuthContext;
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

/** Bearer authentication: a valid access token whose session, user and role are checked now. */
export function createAuthenticate(accessTokens: AccessTokenIssuer, sessions: SessionService) {
  return async function authenticate(req: Request, _res: Response, next: NextFunction): Promise<void> {
    const token = bearerTokenOf(req);
    if (!token) throw new UnauthenticatedError('UNAUTHENTICATED', 'Send an access token as "Authorization: Bearer <token>".');
    req.auth = await sessions.authenticate(accessTokens.verify(token));
    const context = requestContext.getStore();
    if (context) context.userId = req.auth.userId;
    next();
  };
}
