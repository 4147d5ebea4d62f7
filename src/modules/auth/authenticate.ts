import type { NextFunction, Request, Response } from 'express';
import { Types } from 'mongoose';
import type { Role } from '../../config/roles';
import { ForbiddenError, UnauthenticatedError } from '../../errors/app-error';
import { credentialVersionOf } from '../../lib/credential-version';
import { requestContext } from '../../lib/request-context';
import type { SessionService } from '../sessions';
import type { AuthContext, UserRecords } from '../users';
import type { AccessTokenIssuer } from '../keys';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The bearer token of a request, if it carries one. */
export function bearerTokenOf(req: Request): string | undefined {
  return BEARER.exec(req.get('authorization') ?? '')?.[1];
}

export type ResolveCaller = ReturnType<typeof createCallerResolver>;

/**
 * Resolves a verified credential (an access token's claims, or a refresh token's record) to the caller
 * as the database sees it now: an ended session, a deleted or disabled user, a credential change or a
 * changed role take effect on this very request. The session and the user are read together.
 */
export function createCallerResolver(deps: { sessions: SessionService; users: Pick<UserRecords, 'loadForAuthentication'> }) {
  return async function resolveCaller(claims: { userId: string; sessionId: string }): Promise<AuthContext> {
    if (!Types.ObjectId.isValid(claims.sessionId) || !Types.ObjectId.isValid(claims.userId)) {
      throw new UnauthenticatedError('TOKEN_INVALID', 'The access token is not valid.');
    }
    const [session, user] = await Promise.all([deps.sessions.findActiveSession(claims), deps.users.loadForAuthentication(claims.userId)]);
    if (!session) throw new UnauthenticatedError('SESSION_REVOKED', 'The session has ended; sign in again.');
    if (!user) throw new UnauthenticatedError('UNAUTHENTICATED', 'The account no longer exists.');
    if (credentialVersionOf(session) !== credentialVersionOf(user)) {
      throw new UnauthenticatedError('SESSION_REVOKED', 'The session has ended; sign in again.');
    }
    if (user.status === 'disabled') throw new ForbiddenError('ACCOUNT_DISABLED', 'The account is disabled.');
    const current = await deps.sessions.slideSession(session);
    return { userId: claims.userId, sessionId: claims.sessionId, role: user.role as Role, user, session: current };
  };
}

/** A session opened with a second factor (`otp`) or with one multi-factor credential (`mfa`: a user-verified passkey). */
function hasSecondFactor(amr: readonly string[] | null | undefined): boolean {
  return amr?.includes('otp') === true || amr?.includes('mfa') === true;
}

/**
 * Bearer authentication: a valid access token whose session, user and role are checked now.
 * Also notes whether the caller's role needs a second factor this session lacks (MFA_REQUIRED_ROLES).
 */
export function createAuthenticate(accessTokens: AccessTokenIssuer, resolveCaller: ResolveCaller, mfaRequiredRoles: readonly Role[] = []) {
  return async function authenticate(req: Request, _res: Response, next: NextFunction): Promise<void> {
    const token = bearerTokenOf(req);
    if (!token) throw new UnauthenticatedError('UNAUTHENTICATED', 'Send an access token as "Authorization: Bearer <token>".');
    const auth = await resolveCaller(await accessTokens.verify(token));
    req.auth = auth;
    req.secondFactorMissing = mfaRequiredRoles.includes(auth.role) && !hasSecondFactor(auth.session.amr);
    const context = requestContext.getStore();
    if (context) context.userId = auth.userId;
    next();
  };
}
