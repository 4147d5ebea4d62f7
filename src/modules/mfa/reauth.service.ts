import type { Config } from '../../config/env';
import { AppError, ForbiddenError, RateLimitedError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { Clock } from '../../lib/clock';
import type { PasswordHasher } from '../../lib/password-hasher';
import type { AuditService } from '../audit';
import type { SessionService } from '../sessions';
import type { AuthContext, IdentityProof, UserRecords } from '../users';
import type { MfaCodeService, SecondFactor } from './mfa-code.service';

/** What the caller presents to prove it is still the account's owner. */
export type ReauthProof = IdentityProof;

/**
 * The outcome of a re-authentication check: passed (with the factor used, if any), or which answer was
 * wrong (`sign_in_age`: an account without a password whose session signed in too long ago).
 */
export type ReauthOutcome = { ok: true; factor: SecondFactor | null } | { ok: false; wrong: 'password' | 'code' | 'sign_in_age' };

export const invalidMfaCode = (): AppError => new AppError(400, 'MFA_CODE_INVALID', 'The code is wrong, expired or already used.');

/** How recently an account without a password must have signed in to count as re-authenticated. */
export const RECENT_SIGN_IN_MS = 5 * 60_000;

export type ReauthService = ReturnType<typeof createReauthService>;

/**
 * Re-authentication of a signed-in caller before sensitive changes. Wrong answers are counted per
 * session in the session document (not per account, so nobody can lock the owner out of their own
 * settings): each check reserves an attempt atomically before any hashing, so however many arrive at
 * once, at most LOGIN_MAX_FAILURES are ever checked per window; a passed check gives its attempt back.
 */
export function createReauthService(deps: {
  throttle: Config['loginThrottle'];
  now: Clock;
  hasher: PasswordHasher;
  codes: MfaCodeService;
  sessions: Pick<SessionService, 'reserveReauthAttempt' | 'releaseReauthAttempt'>;
  users: Pick<UserRecords, 'findCredentials'>;
  audit: AuditService;
}) {
  async function reserveAttempt(sessionId: string): Promise<void> {
    const retryAfterSeconds = await deps.sessions.reserveReauthAttempt(sessionId, deps.throttle);
    if (retryAfterSeconds !== null) {
      throw new RateLimitedError(retryAfterSeconds, 'Too many wrong answers in this session; try again later.');
    }
  }

  const releaseAttempt = (sessionId: string) => deps.sessions.releaseReauthAttempt(sessionId);

  /**
   * Runs one re-authentication check under the session's attempt budget. A wrong answer keeps its
   * attempt, is audited and throws (403 for a password, 400 for a code); anything else gives it back.
   */
  async function guard(auth: AuthContext, client: ClientInfo, check: () => Promise<ReauthOutcome>): Promise<SecondFactor | null> {
    await reserveAttempt(auth.sessionId);
    let outcome: ReauthOutcome;
    try {
      outcome = await check();
    } catch (error) {
      await releaseAttempt(auth.sessionId);
      throw error;
    }
    if (outcome.ok) {
      await releaseAttempt(auth.sessionId);
      return outcome.factor;
    }
    deps.audit.record({
      type: 'auth.reauth_failed',
      actorId: auth.userId,
      targetId: auth.userId,
      sessionId: auth.sessionId,
      ip: client.ip,
      details: { wrong: outcome.wrong },
    });
    if (outcome.wrong === 'code') throw invalidMfaCode();
    if (outcome.wrong === 'sign_in_age') {
      throw new ForbiddenError('INVALID_CREDENTIALS', 'This account has no password; sign in again, then confirm within 5 minutes.');
    }
    throw new ForbiddenError('INVALID_CREDENTIALS', 'The password is wrong.');
  }

  /**
   * An account without a password (made through an OpenID provider) has nothing to type: a session that
   * signed in within the last few minutes stands in for the password, as for passkeys.
   */
  function isRecentSignIn(auth: AuthContext): boolean {
    return deps.now().getTime() - auth.session.createdAt.getTime() <= RECENT_SIGN_IN_MS;
  }

  async function checkPasswordAndCode(auth: AuthContext, proof: ReauthProof, askCode: boolean): Promise<ReauthOutcome> {
    const { userId } = auth;
    const user = await deps.users.findCredentials(userId);
    if (user?.passwordHash === null && !isRecentSignIn(auth)) return { ok: false, wrong: 'sign_in_age' };
    const proven = user && (user.passwordHash === null || (await deps.hasher.verify(proof.password, user.passwordHash)));
    if (!user || !proven) return { ok: false, wrong: 'password' };
    if (!askCode || !user.mfaEnabled) return { ok: true, factor: null };
    const factor = proof.code ? await deps.codes.spendCode(userId, proof.code) : null;
    return factor ? { ok: true, factor } : { ok: false, wrong: 'code' };
  }

  /** Confirms the caller's password, and with MFA on also a code (spending it); throws on a wrong answer. */
  async function confirmIdentity(auth: AuthContext, proof: ReauthProof, client: ClientInfo): Promise<SecondFactor | null> {
    const factor = await guard(auth, client, () => checkPasswordAndCode(auth, proof, true));
    if (factor === 'recovery_code') {
      deps.audit.record({
        type: 'auth.recovery_code_used',
        actorId: auth.userId,
        targetId: auth.userId,
        sessionId: auth.sessionId,
        ip: client.ip,
      });
    }
    return factor;
  }

  /** Confirms the caller's password alone (a password change asks for no code); throws on a wrong one. */
  async function confirmPassword(auth: AuthContext, password: string, client: ClientInfo): Promise<void> {
    await guard(auth, client, () => checkPasswordAndCode(auth, { password }, false));
  }

  return { guard, confirmIdentity, confirmPassword };
}
