import type { ClientRateLimitInfo, IncrementResponse, Store } from 'express-rate-limit';
import { BATCH_COALESCE_MS } from '../../db/by-id-batcher';
import { isDuplicateKeyError } from '../../db/errors';
import type { Clock } from '../../lib/clock';
import { logger } from '../../lib/logger';
import { createMicroBatcher, fulfilled, rejected } from '../../lib/micro-batcher';
import { withTimeout } from '../../lib/with-timeout';
import { RateLimitCounterModel, type RateLimitCounterRecord } from './rate-limit-counter.model';

export interface SharedStoreOptions {
  /** Names the limiter, so two limiters never count into one another. */
  prefix: string;
  windowMs: number;
  /** Longest a count may take; a slower or failing database lets the request through (fail open). */
  timeoutMs: number;
  now: Clock;
}

class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`rate-limit store did not answer within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

function withinTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return withTimeout(work, ms, (): never => {
    throw new StoreTimeoutError(ms);
  });
}

/** The hits of one loop turn on one counter, counted by one `$inc` of their number. */
interface Hit {
  id: string;
  key: string;
  resetAt: Date;
}

// Requests of one loop turn on one counter are few hundred at most; the cap only bounds a batch.
const MAX_HITS_PER_BATCH = 1000;

/**
 * An express-rate-limit store in MongoDB, so every instance counts into the same fixed windows.
 * Windows are aligned to the epoch: the window index is part of the document's _id, so a count is
 * one atomic `$inc` upsert on a unique key, on MongoDB and the fallback alike, and a new window
 * simply starts a new document. The hits of one loop turn share one `$inc` per counter. Errors and timeouts reject; the limiter (passOnStoreError) then lets
 * the request through and logs it.
 */
export function createSharedRateLimitStore(options: SharedStoreOptions): Store {
  const collection = RateLimitCounterModel.collection;
  let sweptWindow = -1;

  function windowOf(now: Date): { index: number; resetAt: Date } {
    const index = Math.floor(now.getTime() / options.windowMs);
    return { index, resetAt: new Date((index + 1) * options.windowMs) };
  }

  const prefix = `${options.prefix}:`;
  const storedKey = (key: string): string => `${prefix}${key}`;
  const idOf = (key: string, index: number): string => `${storedKey(key)}|${index}`;

  /** Once per window and instance, drops ended windows in the background (what TTL does on MongoDB). */
  function sweepEndedWindows(index: number, now: Date): void {
    if (index === sweptWindow) return;
    sweptWindow = index;
    collection.deleteMany({ resetAt: { $lte: now } }).catch((error: unknown) => logger.warn('rate-limit counter sweep failed', { error }));
  }

  async function incrementOnce(hit: Hit, count: number): Promise<number> {
    const counter = (await collection.findOneAndUpdate(
      { _id: hit.id } as object,
      { $inc: { hits: count }, $setOnInsert: { key: hit.key, resetAt: hit.resetAt } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: false },
    )) as RateLimitCounterRecord | null;
    return counter?.hits ?? count;
  }

  async function incrementBy(hit: Hit, count: number): Promise<number> {
    return incrementOnce(hit, count).catch((error: unknown) => {
      // Two first hits racing to insert: the loser increments the winner's document.
      if (isDuplicateKeyError(error)) return incrementOnce(hit, count);
      throw error;
    });
  }

  /**
   * Counts the hits of one loop turn with one atomic `$inc` per counter. The count after it is exact
   * (it includes every instance's hits), and the hits of the batch take the last places below it in
   * arrival order, as if each had been counted on its own.
   */
  async function countBatch(hits: Hit[]): Promise<PromiseSettledResult<number>[]> {
    const byCounter = new Map<string, Hit[]>();
    for (const hit of hits) {
      const group = byCounter.get(hit.id);
      if (group) group.push(hit);
      else byCounter.set(hit.id, [hit]);
    }
    const totals = new Map<string, Promise<number>>();
    for (const [id, group] of byCounter) totals.set(id, incrementBy(group[0]!, group.length));
    const seen = new Map<string, number>();
    return Promise.all(
      hits.map(async (hit) => {
        const place = seen.get(hit.id) ?? 0;
        seen.set(hit.id, place + 1);
        try {
          const after = await totals.get(hit.id)!;
          return fulfilled(after - byCounter.get(hit.id)!.length + place + 1);
        } catch (error) {
          return rejected(error);
        }
      }),
    );
  }

  const counter = createMicroBatcher(countBatch, { maxBatchSize: MAX_HITS_PER_BATCH, coalesceMs: BATCH_COALESCE_MS });

  async function increment(key: string): Promise<IncrementResponse> {
    const now = options.now();
    const { index, resetAt } = windowOf(now);
    const totalHits = await withinTimeout(counter.submit({ id: idOf(key, index), key: storedKey(key), resetAt }), options.timeoutMs);
    sweepEndedWindows(index, now);
    return { totalHits, resetTime: resetAt };
  }

  async function get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const { index, resetAt } = windowOf(options.now());
    const counter = await withinTimeout(collection.findOne<RateLimitCounterRecord>({ _id: idOf(key, index) } as object), options.timeoutMs);
    return counter ? { totalHits: counter.hits, resetTime: resetAt } : undefined;
  }

  async function decrement(key: string): Promise<void> {
    const { index } = windowOf(options.now());
    await withinTimeout(
      collection.updateOne({ _id: idOf(key, index), hits: { $gt: 0 } } as object, { $inc: { hits: -1 } }),
      options.timeoutMs,
    );
  }

  async function resetKey(key: string): Promise<void> {
    await withinTimeout(collection.deleteMany({ key: storedKey(key) }), options.timeoutMs);
  }

  return { prefix, localKeys: false, increment, get, decrement, resetKey };
}
