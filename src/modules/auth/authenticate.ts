import type { NextFunction, Request, Response } from 'express';
import { Types } from 'mongoose';
import type { Role } from '../../config/roles';
import { ForbiddenError, UnauthenticatedError } from '../../errors/app-error';
import { credentialVersionOf } from '../../lib/credential-version';
import { requestContext } from '../../lib/request-context';
import { BATCH_COALESCE_MS, MAX_BATCH_SIZE } from '../../db/find-by-ids';
import { createMicroBatcher, fulfilled } from '../../lib/micro-batcher';
import type { SessionClaims, SessionRecord, SessionService } from '../sessions';
import type { AuthContext, AuthenticatedUser, UserRecords } from '../users';
import type { AccessTokenIssuer } from '../keys';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The bearer token of a request, if it carries one. */
export function bearerTokenOf(req: Request): string | undefined {
  return BEARER.exec(req.get('authorization') ?? '')?.[1];
}

export type ResolveCaller = ReturnType<typeof createCallerResolver>;

type CallerRecords = [SessionRecord | null, AuthenticatedUser | null];

/**
 * Resolves a verified credential (an access token's claims, or a refresh token's record) to the caller
 * as the database sees it now: an ended session, a deleted or disabled user, a credential change or a
 * changed role take effect on this very request.
 *
 * Every authenticated request reads its session and its user, so the requests of one loop turn (and,
 * under load, those that wait for the running batch) read theirs together: one query for the sessions
 * and one for the users, in lockstep, so a request's two reads never land in different batches. A
 * request only ever joins a batch that starts after it arrived (see the micro-batcher).
 */
export function createCallerResolver(deps: {
  sessions: Pick<SessionService, 'findActiveSessions' | 'slideSession'>;
  users: Pick<UserRecords, 'loadManyForAuthentication'>;
}) {
  const records = createMicroBatcher<SessionClaims, CallerRecords>(
    async (batch) => {
      const [sessions, users] = await Promise.all([
        deps.sessions.findActiveSessions(batch),
        deps.users.loadManyForAuthentication(batch.map((claims) => claims.userId)),
      ]);
      return batch.map((_, index) => fulfilled<CallerRecords>([sessions[index] ?? null, users[index] ?? null]));
    },
    { maxBatchSize: MAX_BATCH_SIZE, coalesceMs: BATCH_COALESCE_MS },
  );

  return async function resolveCaller(claims: SessionClaims): Promise<AuthContext> {
    if (!Types.ObjectId.isValid(claims.sessionId) || !Types.ObjectId.isValid(claims.userId)) {
      throw new UnauthenticatedError('TOKEN_INVALID', 'The access token is not valid.');
    }
    const [session, user] = await records.submit(claims);
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
