import mongoose, { type mongo } from 'mongoose';
import type { Config } from '../config/env';
import { findByIds, MAX_BATCH_SIZE } from '../db/by-id-batcher';
import { DUPLICATE_KEY } from '../db/errors';
import { UnauthenticatedError } from '../errors/app-error';
import type { Clock } from '../lib/clock';
import { createMicroBatcher, fulfilled, rejected } from '../lib/micro-batcher';
import { generateRefreshToken, hashRefreshToken } from '../lib/refresh-token';
import { RefreshTokenModel, type RefreshTokenRecord } from '../models/refresh-token.model';
import type { SessionRecord } from '../models/session.model';

export type RefreshTokenService = ReturnType<typeof createRefreshTokenService>;

export type Consumption =
  | { outcome: 'rotated'; token: RefreshTokenRecord; successor: string }
  | { outcome: 'grace'; token: RefreshTokenRecord }
  | { outcome: 'reused'; token: RefreshTokenRecord };

/** What a rotating batch found for one presented hash; `successor` is set for the one caller that spent it. */
type Claim = { found: false } | { found: true; token: RefreshTokenRecord; successor: string | null };

/** One try at spending a token: its successor, as handed to the client and as stored. */
interface Attempt {
  parent: RefreshTokenRecord;
  successor: string;
  record: RefreshTokenRecord;
}

const INVALID = (): UnauthenticatedError =>
  new UnauthenticatedError('REFRESH_TOKEN_INVALID', 'The refresh token is missing, unknown or expired.');

function tokenRecord(
  token: string,
  fields: Pick<RefreshTokenRecord, 'sessionId' | 'userId' | 'generation' | 'expiresAt'>,
  now: Date,
  parentId?: string,
): RefreshTokenRecord {
  const record: RefreshTokenRecord = { _id: hashRefreshToken(token), ...fields, usedAt: null, replacedBy: null, createdAt: now };
  return parentId ? { ...record, parentId } : record;
}

function attemptToSpend(parent: RefreshTokenRecord, now: Date): Attempt {
  const successor = generateRefreshToken();
  const fields = { sessionId: parent.sessionId, userId: parent.userId, generation: parent.generation + 1, expiresAt: parent.expiresAt };
  return { parent, successor, record: tokenRecord(successor, fields, now, parent._id) };
}

/** The write errors of an unordered insert, by the index of the document each refused; rethrows anything else. */
function refusedByIndex(error: unknown): Map<number, mongo.WriteError> {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError)) throw error;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return new Map(writeErrors.map((writeError) => [writeError.index, writeError]));
}

/** Opaque, rotating refresh tokens stored only as hashes. */
export function createRefreshTokenService(deps: { session: Config['session']; now: Clock }) {
  // Mongoose types every native collection as keyed by ObjectId; this one is keyed by the token's hash.
  const tokens = RefreshTokenModel.collection as unknown as mongo.Collection<RefreshTokenRecord>;

  /** Stores one successor per attempt; returns the refused ones by attempt index. */
  async function storeSuccessors(attempts: Attempt[]): Promise<Map<number, mongo.WriteError>> {
    if (attempts.length === 0) return new Map();
    const records = attempts.map(({ record }) => record);
    return tokens.insertMany(records, { ordered: false }).then(() => new Map(), refusedByIndex);
  }

  async function markSpent(rotations: Attempt[], now: Date): Promise<void> {
    if (rotations.length === 0) return;
    await tokens.bulkWrite(
      rotations.map(({ parent, record }) => ({
        updateOne: { filter: { _id: parent._id }, update: { $set: { usedAt: now, replacedBy: record._id } } },
      })),
      { ordered: false },
    );
  }

  /**
   * Rotates the tokens presented in one loop turn with three commands, all by key: read them, store a
   * successor for each unspent one, mark the spent ones. The unique index on `parentId` stores at most
   * one successor per token, so of any number of concurrent presentations (in this process or another)
   * exactly one spends it; within a batch, the first caller of a hash is that one.
   */
  async function rotateBatch(hashes: string[]): Promise<PromiseSettledResult<Claim>[]> {
    const now = deps.now();
    const presented = await findByIds<RefreshTokenRecord>(RefreshTokenModel.collection, hashes);
    // Keyed by hash: a token presented twice in the batch gets one attempt.
    const spendable = new Map(presented.flatMap((token) => (token && !token.usedAt && token.expiresAt > now ? [[token._id, token]] : [])));
    const attempts = [...spendable.values()].map((parent) => attemptToSpend(parent, now));
    const refused = await storeSuccessors(attempts);
    const rotations = new Map<string, Attempt>();
    const failures = new Map<string, mongo.WriteError>();
    attempts.forEach((attempt, index) => {
      const refusal = refused.get(index);
      if (!refusal) rotations.set(attempt.parent._id, attempt);
      // A duplicate parentId means another rotation stored its successor first: spent, not failed.
      else if (refusal.code !== DUPLICATE_KEY) failures.set(attempt.parent._id, refusal);
    });
    await markSpent([...rotations.values()], now);
    return hashes.map((hash, index) => {
      const token = presented[index];
      if (!token) return fulfilled({ found: false });
      if (failures.has(hash)) return rejected(failures.get(hash));
      const rotation = rotations.get(hash);
      rotations.delete(hash);
      return fulfilled({ found: true, token, successor: rotation?.successor ?? null });
    });
  }

  const rotator = createMicroBatcher(rotateBatch, { maxBatchSize: MAX_BATCH_SIZE });

  /** Issues the first token of a session; only its hash is stored. Returns the token itself for the cookie. */
  async function issueToken(session: Pick<SessionRecord, '_id' | 'userId' | 'absoluteExpiresAt'>): Promise<string> {
    const token = generateRefreshToken();
    const fields = { sessionId: session._id, userId: session.userId, generation: 0, expiresAt: session.absoluteExpiresAt };
    await tokens.insertOne(tokenRecord(token, fields, deps.now()));
    return token;
  }

  /**
   * Consumes a presented token: of any number of concurrent presentations exactly one rotates it and
   * gets its successor. The others find it spent: within the grace period (and while the successor is
   * unused) that is a benign race between tabs; otherwise it is reuse.
   */
  async function consumeToken(token: string | undefined): Promise<Consumption> {
    if (!token) throw INVALID();
    const claim = await rotator.submit(hashRefreshToken(token));
    if (!claim.found) throw INVALID();
    if (claim.successor) return { outcome: 'rotated', token: claim.token, successor: claim.successor };
    const now = deps.now();
    if (claim.token.expiresAt <= now) throw INVALID();
    return { outcome: (await isWithinGrace(claim.token, now)) ? 'grace' : 'reused', token: claim.token };
  }

  /**
   * Whether a spent token came back within the grace period while its successor is still unused. The
   * successor is found through the unique parentId too, so a token whose marking as spent has not
   * happened (a rotation in flight elsewhere, or one whose last write failed) is judged by when its
   * successor was stored, never as spent just now.
   */
  async function isWithinGrace(spent: RefreshTokenRecord, now: Date): Promise<boolean> {
    const graceMs = deps.session.refreshReuseGraceMs;
    if (graceMs <= 0) return false;
    const successor = await tokens.findOne(spent.replacedBy ? { _id: spent.replacedBy } : { parentId: spent._id });
    const spentAt = spent.usedAt ?? successor?.createdAt ?? now;
    return now.getTime() - spentAt.getTime() <= graceMs && !successor?.usedAt;
  }

  return { issueToken, consumeToken };
}
