import type { ClientRateLimitInfo, IncrementResponse, Store } from 'express-rate-limit';
import { isDuplicateKeyError } from '../db/errors';
import type { Clock } from '../lib/clock';
import { logger } from '../lib/logger';
import { RateLimitCounterModel, type RateLimitCounterRecord } from '../models/rate-limit-counter.model';

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
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * An express-rate-limit store in MongoDB, so every instance counts into the same fixed windows.
 * Windows are aligned to the epoch: the window index is part of the document's _id, so a count is
 * one atomic `$inc` upsert on a unique key, on MongoDB and the fallback alike, and a new window
 * simply starts a new document. Errors and timeouts reject; the limiter (passOnStoreError) then lets
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

  async function incrementOnce(id: string, key: string, resetAt: Date): Promise<RateLimitCounterRecord | null> {
    const counter = await collection.findOneAndUpdate(
      { _id: id } as object,
      { $inc: { hits: 1 }, $setOnInsert: { key, resetAt } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: false },
    );
    return counter as RateLimitCounterRecord | null;
  }

  async function increment(key: string): Promise<IncrementResponse> {
    const now = options.now();
    const { index, resetAt } = windowOf(now);
    const id = idOf(key, index);
    const counted = withinTimeout(
      incrementOnce(id, storedKey(key), resetAt).catch((error: unknown) => {
        // Two first hits racing to insert: the loser increments the winner's document.
        if (isDuplicateKeyError(error)) return incrementOnce(id, storedKey(key), resetAt);
        throw error;
      }),
      options.timeoutMs,
    );
    const counter = await counted;
    sweepEndedWindows(index, now);
    return { totalHits: counter?.hits ?? 1, resetTime: resetAt };
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
