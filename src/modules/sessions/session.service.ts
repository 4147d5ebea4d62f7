import { Types } from 'mongoose';
import type { Config } from '../../config/env';
import { findByObjectIdHexes } from '../../db/find-by-ids';
import { NotFoundError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import { addMs, earliest, type Clock } from '../../lib/clock';
import { toSeconds } from '../../lib/duration';
import { logger } from '../../lib/logger';
import type { Location } from '../geoip';
import { describeDevice } from './device';
import { RefreshTokenModel } from './refresh-token.model';
import { SessionModel, type AuthMethod, type SessionRecord } from './session.model';
import { toSessionView, type SessionView } from './session.view';

/** What a re-authentication attempt budget allows per session: LOGIN_MAX_FAILURES per window. */
export interface ReauthLimits {
  maxFailures: number;
  failureWindowMs: number;
}

export type SessionService = ReturnType<typeof createSessionService>;

/** What a verified credential says of its session: whose it is and which. */
export interface SessionClaims {
  userId: string;
  sessionId: string;
}

const ORPHAN_SWEEP_CHUNK = 1000;

async function* chunksOf<T>(documents: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const document of documents) {
    chunk.push(document);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function distinctIds(ids: Types.ObjectId[]): Types.ObjectId[] {
  return [...new Map(ids.map((id) => [id.toHexString(), id])).values()];
}

/** Database-backed sessions: the source of truth every access token is checked against. */
export function createSessionService(deps: {
  session: Config['session'];
  now: Clock;
  /** Which of these user ids still have an account (the users module's answer, wired by container.ts). */
  existingUserIds: (ids: readonly Types.ObjectId[]) => Promise<Set<string>>;
}) {
  const { idleTtlMs, absoluteTtlMs, touchIntervalMs } = deps.session;

  function isActive(session: Pick<SessionRecord, 'revokedAt' | 'expiresAt' | 'absoluteExpiresAt'>, now: Date): boolean {
    return !session.revokedAt && session.expiresAt > now && session.absoluteExpiresAt > now;
  }

  /**
   * Opens a session for a fresh login. `credentialVersion` is the one read together with the password
   * hash the login checked, so a credential change that landed meanwhile already invalidates it. `amr` says how
   * it was authenticated (RFC 8176).
   */
  async function startSession(
    userId: string,
    client: ClientInfo,
    location: Location | null,
    credentialVersion: number,
    amr: AuthMethod[] = ['pwd'],
  ): Promise<SessionRecord> {
    const now = deps.now();
    const absoluteExpiresAt = addMs(now, absoluteTtlMs);
    const session = await SessionModel.create({
      userId,
      ip: client.ip,
      userAgent: client.userAgent,
      device: describeDevice(client.userAgent ?? ''),
      location,
      lastSeenAt: now,
      expiresAt: earliest(addMs(now, idleTtlMs), absoluteExpiresAt),
      absoluteExpiresAt,
      credentialVersion,
      amr,
    });
    return session.toObject() as SessionRecord;
  }

  /**
   * For each verified credential (an access token's claims, or a refresh token's record), the session
   * it names while that is active and belongs to that user; null otherwise. One query for all of them.
   */
  async function findActiveSessions(claims: readonly SessionClaims[]): Promise<(SessionRecord | null)[]> {
    const sessions = await findByObjectIdHexes<SessionRecord>(
      SessionModel.collection,
      claims.map((claim) => claim.sessionId),
    );
    const now = deps.now();
    return sessions.map((session, index) =>
      session && isActive(session, now) && session.userId.toString() === claims[index]?.userId ? session : null,
    );
  }

  /** A session that has just authenticated a request: its idle expiry slides, at most once per touch interval. */
  async function slideSession(session: SessionRecord): Promise<SessionRecord> {
    const now = deps.now();
    return now.getTime() - session.lastSeenAt.getTime() >= touchIntervalMs ? touchSession(session, now) : session;
  }

  /**
   * Slides the idle expiry, never past the absolute lifetime; written at most once per touch interval.
   * Filtered by _id alone (the cheapest write on any server): it never touches revokedAt, so a
   * revocation racing with it stands. Returns a copy, since batched reads share their documents.
   */
  async function touchSession(session: SessionRecord, now: Date): Promise<SessionRecord> {
    const expiresAt = earliest(addMs(now, idleTtlMs), session.absoluteExpiresAt);
    try {
      await SessionModel.updateOne({ _id: session._id }, { $set: { lastSeenAt: now, expiresAt } });
      return { ...session, lastSeenAt: now, expiresAt };
    } catch (error) {
      logger.warn('session touch failed', { sessionId: session._id.toString(), error });
      return session;
    }
  }

  /** The session has now also been confirmed with a second factor (enrolment confirmed in it). */
  async function recordSecondFactor(sessionId: string): Promise<void> {
    await SessionModel.updateOne({ _id: sessionId }, { $set: { amr: ['pwd', 'otp'] } });
  }

  /** Keeps a session valid across the credential change its own user just made (the password change's caller). */
  async function adoptCredentialVersion(sessionId: string, credentialVersion: number): Promise<void> {
    await SessionModel.updateOne({ _id: sessionId, credentialVersion: { $lt: credentialVersion } }, { $set: { credentialVersion } });
  }

  /** Active sessions of a user, most recently used first. */
  async function listActiveSessions(userId: string, currentSessionId: string | null): Promise<SessionView[]> {
    const now = deps.now();
    const sessions = await SessionModel.find({ userId, revokedAt: null, expiresAt: { $gt: now } })
      .sort({ lastSeenAt: -1 })
      .lean<SessionRecord[]>();
    return sessions.filter((session) => isActive(session, now)).map((session) => toSessionView(session, currentSessionId));
  }

  /**
   * Ends one session and deletes its refresh tokens. Returns false when there was no active one.
   * With `userId`, a session of anyone else is left exactly as it was: its tokens are deleted only
   * after the owner-scoped revocation matched, and by owner too.
   */
  async function revokeSession(sessionId: Types.ObjectId | string, reason: string, userId?: string): Promise<boolean> {
    const now = deps.now();
    const owner = userId ? { userId } : {};
    const result = await SessionModel.updateOne(
      { _id: sessionId, revokedAt: null, ...owner },
      { $set: { revokedAt: now, revokedReason: reason } },
    );
    if (userId && result.modifiedCount === 0) return false;
    await RefreshTokenModel.deleteMany({ sessionId, ...owner });
    return result.modifiedCount > 0;
  }

  /** Ends a session of this user, or 404 (also when it belongs to someone else). */
  async function revokeUserSession(userId: string, sessionId: string, reason: string): Promise<void> {
    if (!Types.ObjectId.isValid(sessionId) || !(await revokeSession(sessionId, reason, userId))) {
      throw new NotFoundError('No such active session.');
    }
  }

  /** Ends every session of a user, optionally keeping one (the caller's). Returns how many ended. */
  async function revokeAllUserSessions(userId: string, reason: string, keepSessionId?: string): Promise<number> {
    const now = deps.now();
    const keep = keepSessionId ? { _id: { $ne: new Types.ObjectId(keepSessionId) } } : {};
    const result = await SessionModel.updateMany({ userId, revokedAt: null, ...keep }, { $set: { revokedAt: now, revokedReason: reason } });
    await RefreshTokenModel.deleteMany({ userId, ...(keepSessionId ? { sessionId: { $ne: new Types.ObjectId(keepSessionId) } } : {}) });
    return result.modifiedCount;
  }

  /** Deletes every session of a deleted user (after revokeAllUserSessions has ended them and their tokens). */
  async function deleteUserSessions(userId: string): Promise<void> {
    await SessionModel.deleteMany({ userId });
  }

  /** Whether another session of the user was opened from this country (new-location notices). */
  async function hasSignedInFrom(userId: string, countryCode: string, exceptSessionId: Types.ObjectId): Promise<boolean> {
    return (await SessionModel.exists({ userId, _id: { $ne: exceptSessionId }, 'location.countryCode': countryCode })) !== null;
  }

  /** Whether another session of the user was located at all (the first located sign-in sets the baseline). */
  async function hasLocatedSignIn(userId: string, exceptSessionId: Types.ObjectId): Promise<boolean> {
    return (await SessionModel.exists({ userId, _id: { $ne: exceptSessionId }, 'location.countryCode': { $type: 'string' } })) !== null;
  }

  /**
   * Reserves one re-authentication attempt of a session's budget atomically, before any hashing; a new
   * window starts once the last one is over. Returns null when reserved, else the seconds until the
   * window ends.
   */
  async function reserveReauthAttempt(sessionId: string, limits: ReauthLimits): Promise<number | null> {
    const now = deps.now();
    const windowOver = { $or: [{ reauthWindowStartedAt: null }, { reauthWindowStartedAt: { $lt: addMs(now, -limits.failureWindowMs) } }] };
    await SessionModel.updateOne({ _id: sessionId, ...windowOver }, { $set: { reauthAttempts: 0, reauthWindowStartedAt: now } });
    const reserved = await SessionModel.findOneAndUpdate(
      { _id: sessionId, reauthAttempts: { $lt: limits.maxFailures } },
      { $inc: { reauthAttempts: 1 } },
      { projection: { _id: 1 } },
    ).lean();
    if (reserved) return null;
    const session = await SessionModel.findById(sessionId, { reauthWindowStartedAt: 1 }).lean<{ reauthWindowStartedAt?: Date | null }>();
    const endsAt = addMs(session?.reauthWindowStartedAt ?? now, limits.failureWindowMs);
    return Math.max(1, toSeconds(endsAt.getTime() - now.getTime()));
  }

  /** Gives a re-authentication attempt back (the check passed, or never ran). */
  async function releaseReauthAttempt(sessionId: string): Promise<void> {
    await SessionModel.updateOne({ _id: sessionId, reauthAttempts: { $gt: 0 } }, { $inc: { reauthAttempts: -1 } });
  }

  /** Sessions neither revoked nor expired (the metrics gauge), bounded by `maxTimeMs`. */
  async function countActiveSessions(maxTimeMs: number): Promise<number> {
    const now = deps.now();
    return SessionModel.countDocuments({ revokedAt: null, expiresAt: { $gt: now }, absoluteExpiresAt: { $gt: now } }).maxTimeMS(maxTimeMs);
  }

  /** Removes sessions and tokens that ended long ago; the TTL indexes do the same where the server supports them. */
  async function sweepExpired(retentionMs: number): Promise<{ sessions: number; tokens: number }> {
    const now = deps.now();
    const cutoff = addMs(now, -retentionMs);
    const [sessions, tokens] = await Promise.all([
      SessionModel.deleteMany({ expiresAt: { $lt: cutoff } }),
      RefreshTokenModel.deleteMany({ expiresAt: { $lt: now } }),
    ]);
    return { sessions: sessions.deletedCount, tokens: tokens.deletedCount };
  }

  /**
   * Removes what races and interrupted deletes leave behind, which nothing else would ever remove:
   * sessions of a user that no longer exists (a login racing the account's deletion), and refresh
   * tokens of a session that has ended or is gone (a rotation storing its successor just after a
   * revocation deleted the session's tokens). Neither can authenticate; they only take space.
   * Each collection is read once through a cursor, in chunks.
   */
  async function sweepOrphans(): Promise<{ sessions: number; tokens: number }> {
    const now = deps.now();
    let sessions = 0;
    let tokens = 0;
    const allSessions = SessionModel.collection.find<Pick<SessionRecord, '_id' | 'userId'>>({}, { projection: { userId: 1 } });
    for await (const chunk of chunksOf(allSessions, ORPHAN_SWEEP_CHUNK)) {
      const existing = await deps.existingUserIds(distinctIds(chunk.map((session) => session.userId)));
      const orphaned = chunk.filter((session) => !existing.has(session.userId.toHexString())).map((session) => session._id);
      if (orphaned.length > 0) sessions += (await SessionModel.deleteMany({ _id: { $in: orphaned } })).deletedCount;
    }
    const allTokens = RefreshTokenModel.collection.find<{ _id: string; sessionId: Types.ObjectId }>({}, { projection: { sessionId: 1 } });
    for await (const chunk of chunksOf(allTokens, ORPHAN_SWEEP_CHUNK)) {
      const sessionIds = distinctIds(chunk.map((token) => token.sessionId));
      const live = await SessionModel.collection
        .find({ _id: { $in: sessionIds }, revokedAt: null, expiresAt: { $gt: now } }, { projection: { _id: 1 } })
        .toArray();
      const alive = new Set(live.map((session) => session._id.toHexString()));
      const orphaned = chunk.filter((token) => !alive.has(token.sessionId.toHexString())).map((token) => token._id);
      if (orphaned.length > 0) tokens += (await RefreshTokenModel.deleteMany({ _id: { $in: orphaned } })).deletedCount;
    }
    return { sessions, tokens };
  }

  return {
    startSession,
    adoptCredentialVersion,
    findActiveSessions,
    slideSession,
    recordSecondFactor,
    deleteUserSessions,
    hasSignedInFrom,
    hasLocatedSignIn,
    reserveReauthAttempt,
    releaseReauthAttempt,
    countActiveSessions,
    listActiveSessions,
    revokeSession,
    revokeUserSession,
    revokeAllUserSessions,
    sweepExpired,
    sweepOrphans,
  };
}
