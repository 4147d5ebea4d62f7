import type { Config } from '../config/env';
import { UnauthenticatedError } from '../errors/app-error';
import type { Clock } from '../lib/clock';
import { generateRefreshToken, hashRefreshToken } from '../lib/refresh-token';
import { RefreshTokenModel, type RefreshTokenRecord } from '../models/refresh-token.model';
import type { SessionRecord } from '../models/session.model';

export type RefreshTokenService = ReturnType<typeof createRefreshTokenService>;

export type Consumption =
  | { outcome: 'rotated'; token: RefreshTokenRecord; successor: string }
  | { outcome: 'grace'; token: RefreshTokenRecord }
  | { outcome: 'reused'; token: RefreshTokenRecord };

const INVALID = (): UnauthenticatedError =>
  new UnauthenticatedError('REFRESH_TOKEN_INVALID', 'The refresh token is missing, unknown or expired.');

/** Opaque, rotating refresh tokens stored only as hashes. */
export function createRefreshTokenService(deps: { session: Config['session']; now: Clock }) {
  /** Issues a token for a session; only its hash is stored. Returns the token itself for the cookie. */
  async function issueToken(
    session: Pick<SessionRecord, '_id' | 'userId' | 'absoluteExpiresAt'>,
    generation: number,
    token = generateRefreshToken(),
  ): Promise<string> {
    await RefreshTokenModel.create({
      _id: hashRefreshToken(token),
      sessionId: session._id,
      userId: session.userId,
      generation,
      expiresAt: session.absoluteExpiresAt,
    });
    return token;
  }

  /**
   * Consumes a presented token with one conditional update, so of any number of concurrent
   * presentations exactly one rotates. The others find it spent: within the grace period (and
   * while its successor is unused) that is a benign race between tabs; otherwise it is reuse.
   */
  async function consumeToken(token: string | undefined): Promise<Consumption> {
    if (!token) throw INVALID();
    const hash = hashRefreshToken(token);
    const now = deps.now();
    const successor = generateRefreshToken();
    const consumed = await RefreshTokenModel.findOneAndUpdate(
      { _id: hash, usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now, replacedBy: hashRefreshToken(successor) } },
      { new: true },
    ).lean<RefreshTokenRecord>();
    if (consumed) return { outcome: 'rotated', token: consumed, successor };
    const spent = await RefreshTokenModel.findById(hash).lean<RefreshTokenRecord>();
    if (!spent || !spent.usedAt || spent.expiresAt <= now) throw INVALID();
    return { outcome: (await isWithinGrace(spent, now)) ? 'grace' : 'reused', token: spent };
  }

  async function isWithinGrace(spent: RefreshTokenRecord, now: Date): Promise<boolean> {
    const graceMs = deps.session.refreshReuseGraceMs;
    if (graceMs <= 0 || !spent.usedAt || now.getTime() - spent.usedAt.getTime() > graceMs) return false;
    const next = spent.replacedBy ? await RefreshTokenModel.findById(spent.replacedBy, { usedAt: 1 }).lean() : null;
    return !next || !next.usedAt;
  }

  return { issueToken, consumeToken };
}
