import mongoose, { type mongo } from 'mongoose';
import type { Config } from '../../config/env';
import { findByIds, MAX_BATCH_SIZE } from '../../db/find-by-ids';
import { DUPLICATE_KEY } from '../../db/errors';
import { UnauthenticatedError } from '../../errors/app-error';
import { addMs, type Clock } from '../../lib/clock';
import { logger } from '../../lib/logger';
import { createMicroBatcher, fulfilled, rejected } from '../../lib/micro-batcher';
import { generateRefreshToken, hashRefreshToken, type SuccessorDeriver } from './refresh-token';
import { RefreshTokenModel, type RefreshTokenRecord } from './refresh-token.model';
import type { SessionRecord } from './session.model';

export type RefreshTokenService = ReturnType<typeof createRefreshTokenService>;

/**
 * `rotated`: this caller spent the token. `grace`: the token was spent by another presentation whose
 * answer may not have arrived; the same successor is handed out again. `reused`: proof of theft.
 */
export type Consumption =
  | {
      outcome: 'rotated' | 'grace';
      token: RefreshTokenRecord;
      /** The successor to set in the cookie; null when this instance cannot derive it (secret changed). */
      successor: string | null;
      successorId: string;
      /** Whether an answer carrying the successor is already on record (the spend is known). */
      spendRecorded: boolean;
    }
  | { outcome: 'reused'; token: Pick<RefreshTokenRecord, 'sessionId' | 'userId'> };

/** What a rotating batch found for one presented token; `successor` is set for the callers it answers. */
type Claim =
  | { found: false }
  | { found: true; token: RefreshTokenRecord; successor: string; spentBy: 'me' | 'batch' }
  | { found: true; token: RefreshTokenRecord; spentBy: 'earlier' };

/** One try at spending a token: its successor, as handed to the client and as stored. */
interface Attempt {
  parent: RefreshTokenRecord;
  successor: string;
  record: RefreshTokenRecord;
}

interface SpendRecord {
  parentId: string;
  successorId: string;
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

/** The write errors of an unordered insert, by the index of the document each refused; rethrows anything else. */
function refusedByIndex(error: unknown): Map<number, mongo.WriteError> {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError)) throw error;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return new Map(writeErrors.map((writeError) => [writeError.index, writeError]));
}

/**
 * Opaque, rotating refresh tokens stored only as hashes. A successor is derived from its parent
 * (see SuccessorDeriver), so every presentation of one token, on any instance, leads to the same
 * successor: the chain never forks, and an answer that got lost can be given again.
 *
 * Reuse is declared only on proof: the successor has been used, or an answer carrying it is on
 * record (`usedAt`, written after everything else of that refresh succeeded) and the grace is over.
 * A rotation whose writes failed or timed out leaves the spend unrecorded, so a later retry gets the
 * successor again instead of ending the session.
 */
export function createRefreshTokenService(deps: { session: Config['session']; now: Clock; successors: SuccessorDeriver }) {
  // Mongoose types every native collection as keyed by ObjectId; this one is keyed by the token's hash.
  const tokens = RefreshTokenModel.collection as unknown as mongo.Collection<RefreshTokenRecord>;
  const { successors } = deps;

  function attemptToSpend(parent: RefreshTokenRecord, token: string, now: Date): Attempt {
    const successor = successors.derive(token);
    const fields = { sessionId: parent.sessionId, userId: parent.userId, generation: parent.generation + 1, expiresAt: parent.expiresAt };
    return { parent, successor, record: tokenRecord(successor, fields, now, parent._id) };
  }

  /** Stores one successor per attempt; returns the refused ones by attempt index. */
  async function storeSuccessors(attempts: Attempt[]): Promise<Map<number, mongo.WriteError>> {
    if (attempts.length === 0) return new Map();
    const records = attempts.map(({ record }) => record);
    return tokens.insertMany(records, { ordered: false }).then(() => new Map(), refusedByIndex);
  }

  /**
   * Rotates the tokens presented in one loop turn with two commands, both by key: read them, store a
   * successor for each unspent one. The unique indexes (on _id, derived from the parent, and on
   * `parentId`) store at most one successor per token, so of any number of concurrent presentations
   * (in this process or another) exactly one spends it; within a batch, the first caller of a token.
   */
  async function rotateBatch(presentedTokens: string[]): Promise<PromiseSettledResult<Claim>[]> {
    const now = deps.now();
    const hashes = presentedTokens.map(hashRefreshToken);
    const presented = await findByIds<RefreshTokenRecord>(RefreshTokenModel.collection, hashes);
    const attempts = new Map<string, Attempt>();
    presented.forEach((token, index) => {
      if (token && !token.usedAt && token.expiresAt > now && !attempts.has(token._id)) {
        attempts.set(token._id, attemptToSpend(token, presentedTokens[index]!, now));
      }
    });
    const ordered = [...attempts.values()];
    const refused = await storeSuccessors(ordered);
    const failures = new Map<string, mongo.WriteError>();
    ordered.forEach((attempt, index) => {
      const refusal = refused.get(index);
      if (refusal) attempts.delete(attempt.parent._id);
      // A duplicate key means another rotation stored this successor first: spent, not failed.
      if (refusal && refusal.code !== DUPLICATE_KEY) failures.set(attempt.parent._id, refusal);
    });
    const answered = new Set<string>();
    return hashes.map((hash, index) => {
      const token = presented[index];
      if (!token) return fulfilled({ found: false });
      if (failures.has(hash)) return rejected(failures.get(hash));
      const attempt = attempts.get(hash);
      if (!attempt) return fulfilled({ found: true, token, spentBy: 'earlier' });
      const spentBy = answered.has(hash) ? 'batch' : 'me';
      answered.add(hash);
      return fulfilled({ found: true, token, successor: attempt.successor, spentBy });
    });
  }

  const rotator = createMicroBatcher(rotateBatch, { maxBatchSize: MAX_BATCH_SIZE });

  /**
   * Records, for the spends whose answer is about to leave, that it did. Filtered by _id alone: MongoDB
   * serves any _id filter from its index, but the fallback database scans the whole collection for a
   * filter with one more field, which made this write cost more than the rest of a refresh together.
   * Only presentations that all found the spend unrecorded write here, so racing records of one spend
   * are moments apart and either stands.
   */
  async function writeSpendRecords(records: SpendRecord[]): Promise<PromiseSettledResult<void>[]> {
    const now = deps.now();
    const byParent = new Map(records.map((record) => [record.parentId, record]));
    await tokens.bulkWrite(
      [...byParent.values()].map(({ parentId, successorId }) => ({
        updateOne: { filter: { _id: parentId }, update: { $set: { usedAt: now, replacedBy: successorId } } },
      })),
      { ordered: false },
    );
    return records.map(() => fulfilled(undefined));
  }

  const spendRecorder = createMicroBatcher(writeSpendRecords, { maxBatchSize: MAX_BATCH_SIZE });

  /** Issues the first token of a session; only its hash is stored. Returns the token itself for the cookie. */
  async function issueToken(session: Pick<SessionRecord, '_id' | 'userId' | 'absoluteExpiresAt'>): Promise<string> {
    const token = generateRefreshToken();
    const fields = { sessionId: session._id, userId: session.userId, generation: 0, expiresAt: session.absoluteExpiresAt };
    await tokens.insertOne(tokenRecord(token, fields, deps.now()));
    return token;
  }

  /**
   * A token the database does not hold may be an ancestor of one it does, pruned after its grace: its
   * descendants are derived from it, so finding one within the look-back proves the token was spent.
   */
  async function findDescendant(token: string): Promise<RefreshTokenRecord | null> {
    const hashes: string[] = [];
    let current = token;
    for (let step = 0; step < deps.session.refreshReuseLookback; step++) {
      current = successors.derive(current);
      hashes.push(hashRefreshToken(current));
    }
    if (hashes.length === 0) return null;
    return tokens.findOne({ _id: { $in: hashes } }, { projection: { sessionId: 1, userId: 1 } });
  }

  /** The parent as stored now and its successor, read together by _id (by parentId only for a successor no key derives). */
  async function readSpend(parent: RefreshTokenRecord, token: string) {
    const candidates = successors.candidates(token);
    const ids = [parent._id, ...candidates.map(hashRefreshToken)];
    const found = await findByIds<RefreshTokenRecord>(RefreshTokenModel.collection, ids);
    const current = found[0] ?? null;
    const index = found.slice(1).findIndex(Boolean);
    if (index >= 0) return { current, successor: found[index + 1]!, successorToken: candidates[index]! };
    return { current, successor: await tokens.findOne({ parentId: parent._id }), successorToken: null };
  }

  /** Judges a presentation of a token another presentation spent: grace (the same successor again) or reuse. */
  async function judgeSpent(parent: RefreshTokenRecord, token: string): Promise<Consumption> {
    const { current, successor, successorToken } = await readSpend(parent, token);
    if (!current || !successor) throw INVALID();
    if (successor.usedAt) return { outcome: 'reused', token: current };
    const now = deps.now();
    const spendRecorded = current.usedAt !== null;
    if (current.usedAt && now.getTime() - current.usedAt.getTime() > deps.session.refreshReuseGraceMs) {
      return { outcome: 'reused', token: current };
    }
    // An unrecorded spend this instance cannot hand out again: no proof of theft, and nothing to continue with.
    if (!successorToken && !spendRecorded) throw INVALID();
    return { outcome: 'grace', token: current, successor: successorToken, successorId: successor._id, spendRecorded };
  }

  /**
   * Consumes a presented token: of any number of concurrent presentations exactly one stores its
   * successor; the others get the same successor while the spend is unrecorded or within the grace
   * period, as long as the successor is unused. Anything else that proves a replay is reuse.
   */
  async function consumeToken(token: string | undefined): Promise<Consumption> {
    if (!token) throw INVALID();
    const claim = await rotator.submit(token);
    if (!claim.found) {
      const descendant = await findDescendant(token);
      if (descendant) return { outcome: 'reused', token: descendant };
      throw INVALID();
    }
    if (claim.token.expiresAt <= deps.now()) throw INVALID();
    if (claim.spentBy === 'earlier') return judgeSpent(claim.token, token);
    const successorId = hashRefreshToken(claim.successor);
    // A racing duplicate in this batch answers with the successor the first caller is about to answer with.
    const outcome = claim.spentBy === 'me' ? 'rotated' : 'grace';
    return { outcome, token: claim.token, successor: claim.successor, successorId, spendRecorded: false };
  }

  /**
   * Puts on record that an answer carrying the successor is leaving (called once everything else of
   * the refresh succeeded). A failure is logged and the answer stands: the successor is stored, and an
   * unrecorded spend only means a later replay gets the successor again instead of ending the session.
   */
  async function recordSpend(consumption: Consumption): Promise<void> {
    if (consumption.outcome === 'reused' || consumption.spendRecorded) return;
    try {
      await spendRecorder.submit({ parentId: consumption.token._id, successorId: consumption.successorId });
    } catch (error) {
      logger.warn('refresh token spend not recorded', { sessionId: consumption.token.sessionId.toString(), error });
    }
  }

  /** Deletes spent tokens whose grace is over; a replay of one is still caught through its descendants. */
  async function pruneSpent(): Promise<number> {
    const cutoff = addMs(deps.now(), -deps.session.refreshReuseGraceMs);
    const result = await tokens.deleteMany({ usedAt: { $ne: null, $lt: cutoff } });
    return result.deletedCount;
  }

  /** The session and user a refresh token belongs to (spent or not), for logout; null when unknown. */
  async function sessionOfToken(token: string): Promise<{ sessionId: string; userId: string } | null> {
    const stored = await RefreshTokenModel.findById(hashRefreshToken(token), { sessionId: 1, userId: 1 }).lean();
    return stored ? { sessionId: stored.sessionId.toString(), userId: stored.userId.toString() } : null;
  }

  return { issueToken, consumeToken, recordSpend, pruneSpent, sessionOfToken };
}
