import { Types, type mongo } from 'mongoose';
import type { Config } from '../config/env';
import { UnauthenticatedError } from '../errors/app-error';
import type { Clock } from '../lib/clock';
import { createMicroBatcher, fulfilled, rejected } from '../lib/micro-batcher';
import { generateRefreshToken, hashRefreshToken } from '../lib/refresh-token';
import { RefreshTokenModel, type RefreshTokenRecord } from '../models/refresh-token.model';
import type { SessionRecord } from '../models/session.model';

export type RefreshTokenService = ReturnType<typeof createRefreshTokenService>;

export type Consumption =
  | { outcome: 'rotated'; token: RefreshTokenRecord }
  | { outcome: 'grace'; token: RefreshTokenRecord }
  | { outcome: 'reused'; token: RefreshTokenRecord };

/** What one presented hash got from a consuming batch: the token as stored, and whether this caller spent it. */
interface Claim {
  won: boolean;
  token: RefreshTokenRecord | null;
}

interface NewToken {
  record: RefreshTokenRecord;
  /** The token this one replaces, linked to it for the reuse-grace check. */
  parentHash: string | null;
}

// Batches stay within one reply of a find (101 documents by default) and one write command.
const MAX_BATCH = 100;

const INVALID = (): UnauthenticatedError =>
  new UnauthenticatedError('REFRESH_TOKEN_INVALID', 'The refresh token is missing, unknown or expired.');

/** The write errors of an unordered insert, by the index of the document each refused. */
function writeErrorsByIndex(error: unknown): Map<number, unknown> | null {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null;
  return list ? new Map(list.map((writeError: { index: number }) => [writeError.index, writeError])) : null;
}

/** Opaque, rotating refresh tokens stored only as hashes. */
export function createRefreshTokenService(deps: { session: Config['session']; now: Clock }) {
  // Mongoose types every native collection as keyed by ObjectId; this one is keyed by the token's hash.
  const tokens = RefreshTokenModel.collection as unknown as mongo.Collection<RefreshTokenRecord>;

  /**
   * Spends the presented tokens of one loop turn with one conditional update: it marks every unspent,
   * unexpired one with this batch's id, and reading them back tells which this batch won. Of any
   * number of concurrent presentations (in this process or another) exactly one sees its batch's id;
   * within a batch, the first caller of a hash is the one.
   */
  const consumer = createMicroBatcher<string, Claim>(
    async (hashes) => {
      const now = deps.now();
      const rotationId = new Types.ObjectId();
      const distinct = [...new Set(hashes)];
      await tokens.updateMany({ _id: { $in: distinct }, usedAt: null, expiresAt: { $gt: now } }, { $set: { usedAt: now, rotationId } });
      const stored = await tokens.find({ _id: { $in: distinct } }, { batchSize: distinct.length }).toArray();
      const storedByHash = new Map(stored.map((token) => [token._id, token]));
      const claimed = new Set<string>();
      return hashes.map((hash) => {
        const token = storedByHash.get(hash) ?? null;
        const won = !claimed.has(hash) && token?.rotationId?.equals(rotationId) === true;
        if (won) claimed.add(hash);
        return fulfilled({ won, token });
      });
    },
    { maxBatchSize: MAX_BATCH },
  );

  /** Stores the new tokens of one loop turn with one insert, and links each to the token it replaces. */
  const issuer = createMicroBatcher<NewToken, void>(
    async (newTokens) => {
      const links = newTokens.flatMap(({ record, parentHash }) =>
        parentHash ? [{ updateOne: { filter: { _id: parentHash }, update: { $set: { replacedBy: record._id } } } }] : [],
      );
      const [inserted] = await Promise.all([
        tokens
          .insertMany(
            newTokens.map(({ record }) => record),
            { ordered: false },
          )
          .then(
            () => null,
            (error: unknown) => writeErrorsByIndex(error) ?? Promise.reject(error),
          ),
        links.length > 0 ? tokens.bulkWrite(links, { ordered: false }) : null,
      ]);
      return newTokens.map((_, index) => (inserted?.has(index) ? rejected(inserted.get(index)) : fulfilled(undefined)));
    },
    { maxBatchSize: MAX_BATCH },
  );

  /**
   * Issues a token for a session; only its hash is stored. Returns the token itself for the cookie.
   * A rotation names the token it replaces, so a late replay of that one can be told from theft.
   */
  async function issueToken(
    session: Pick<SessionRecord, '_id' | 'userId' | 'absoluteExpiresAt'>,
    generation: number,
    replaces: RefreshTokenRecord | null = null,
  ): Promise<string> {
    const token = generateRefreshToken();
    const record: RefreshTokenRecord = {
      _id: hashRefreshToken(token),
      sessionId: session._id,
      userId: session.userId,
      generation,
      expiresAt: session.absoluteExpiresAt,
      usedAt: null,
      replacedBy: null,
      rotationId: null,
      createdAt: deps.now(),
    };
    await issuer.submit({ record, parentHash: replaces?._id ?? null });
    return token;
  }

  /**
   * Consumes a presented token: of any number of concurrent presentations exactly one rotates. The
   * others find it spent: within the grace period (and while its successor is unused) that is a benign
   * race between tabs; otherwise it is reuse.
   */
  async function consumeToken(token: string | undefined): Promise<Consumption> {
    if (!token) throw INVALID();
    const { won, token: stored } = await consumer.submit(hashRefreshToken(token));
    if (won && stored) return { outcome: 'rotated', token: stored };
    const now = deps.now();
    if (!stored || !stored.usedAt || stored.expiresAt <= now) throw INVALID();
    return { outcome: (await isWithinGrace(stored, now)) ? 'grace' : 'reused', token: stored };
  }

  async function isWithinGrace(spent: RefreshTokenRecord, now: Date): Promise<boolean> {
    const graceMs = deps.session.refreshReuseGraceMs;
    if (graceMs <= 0 || !spent.usedAt || now.getTime() - spent.usedAt.getTime() > graceMs) return false;
    const next = spent.replacedBy ? await RefreshTokenModel.findById(spent.replacedBy, { usedAt: 1 }).lean() : null;
    return !next || !next.usedAt;
  }

  return { issueToken, consumeToken };
}
