import type { ClientRateLimitInfo, IncrementResponse, Store } from 'express-rate-limit';
import { BATCH_COALESCE_MS } from '../../db/find-by-ids';
import { isDuplicateKeyError } from '../../db/errors';
import type { Clock } from '../../lib/clock';
import { logger } from '../../lib/logger';
import { createMicroBatcher, fulfilled, rejected } from '../../lib/micro-batcher';
import { withTimeout } from '../../lib/with-timeout';
import { createCounterLeases } from './counter-leases';
import { RateLimitCounterModel, type RateLimitCounterRecord } from './rate-limit-counter.model';

export interface SharedStoreOptions {
  /** Names the limiter, so two limiters never count into one another. */
  prefix: string;
  windowMs: number;
  /** Longest a count may take; a slower or failing database lets the request through (fail open). */
  timeoutMs: number;
  /** The limiter's limit per window: how many places a hot counter may reserve ahead is a small share of it. */
  limit: number;
  now: Clock;
}

/** A hot counter reserves at most this share of its limit ahead (600 a minute: 12 places)... */
const LEASE_SHARE_OF_LIMIT = 1 / 50;
/** ...and never more than this many, so one `$inc` covers at most this many hits beyond its own. */
const MAX_LEASE = 100;
/** Counters with reservations per window and instance; beyond it, new counters count every hit. */
const MAX_LEASED_COUNTERS = 10_000;

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
  windowIndex: number;
  resetAt: Date;
}

// Requests of one loop turn on one counter are few hundred at most; the cap only bounds a batch.
const MAX_HITS_PER_BATCH = 1000;

/**
 * An express-rate-limit store in MongoDB, so every instance counts into the same fixed windows.
 * Windows are aligned to the epoch: the window index is part of the document's _id, so a count is
 * one atomic `$inc` upsert on a unique key, on MongoDB and the fallback alike, and a new window
 * simply starts a new document. The hits of one loop turn share one `$inc` per counter, and a hot
 * counter reserves places ahead (counter-leases.ts). Errors and timeouts reject; the limiter
 * (passOnStoreError) then lets the request through and logs it.
 */
export function createSharedRateLimitStore(options: SharedStoreOptions): Store {
  const collection = RateLimitCounterModel.collection;
  let sweptWindow = -1;
  const leases = createCounterLeases({
    maxLease: Math.min(MAX_LEASE, Math.floor(options.limit * LEASE_SHARE_OF_LIMIT)),
    maxCounters: MAX_LEASED_COUNTERS,
  });

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
   * Counts one counter's hits of a batch: places reserved meanwhile first, the rest with one atomic
   * `$inc` that may reserve more. The count after it is exact (it includes every instance's hits and
   * reservations), and the hits take the last places below the reservation in arrival order.
   */
  async function countGroup(group: Hit[]): Promise<number[]> {
    const { id, windowIndex } = group[0]!;
    const places: number[] = [];
    for (let place = leases.take(id, windowIndex); place !== null; place = leases.take(id, windowIndex)) {
      places.push(place);
      if (places.length === group.length) return places;
    }
    const counted = group.length - places.length;
    const reserved = leases.reserve(id, counted);
    let after: number;
    try {
      after = await incrementBy(group[0]!, counted + reserved);
    } catch (error) {
      if (reserved > 0) leases.abandon(id);
      throw error;
    }
    leases.settle(id, windowIndex, after, reserved);
    for (let index = 0; index < counted; index += 1) places.push(after - reserved - counted + index + 1);
    return places;
  }

  /** Counts the hits of one batch, one counter at a time in parallel; a counter that fails fails its hits. */
  async function countBatch(hits: Hit[]): Promise<PromiseSettledResult<number>[]> {
    const byCounter = new Map<string, Hit[]>();
    for (const hit of hits) {
      const group = byCounter.get(hit.id);
      if (group) group.push(hit);
      else byCounter.set(hit.id, [hit]);
    }
    const placesOf = new Map([...byCounter].map(([id, group]) => [id, countGroup(group)] as const));
    const seen = new Map<string, number>();
    return Promise.all(
      hits.map(async (hit) => {
        const index = seen.get(hit.id) ?? 0;
        seen.set(hit.id, index + 1);
        try {
          return fulfilled((await placesOf.get(hit.id)!)[index]!);
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
    const id = idOf(key, index);
    const reserved = leases.take(id, index);
    if (reserved !== null) return { totalHits: reserved, resetTime: resetAt };
    const totalHits = await withinTimeout(counter.submit({ id, key: storedKey(key), windowIndex: index, resetAt }), options.timeoutMs);
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
    leases.forget(storedKey(key));
    await withinTimeout(collection.deleteMany({ key: storedKey(key) }), options.timeoutMs);
  }

  return { prefix, localKeys: false, increment, get, decrement, resetKey };
}
