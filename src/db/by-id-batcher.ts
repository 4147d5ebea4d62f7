import type { mongo, Types } from 'mongoose';
import { createMicroBatcher, fulfilled } from '../lib/micro-batcher';

type Id = Types.ObjectId | string;

/** A find's first reply holds up to 101 documents by default, so a batch this size needs one round trip. */
export const MAX_BATCH_SIZE = 100;

/** How long lookups wait for a running batch before starting their own anyway (a hung query must not hold them). */
export const BATCH_COALESCE_MS = 2;

/** A string and an ObjectId with the same hex are different _ids to the server, so they are to the batch too. */
function keyOf(id: Id): string {
  return typeof id === 'string' ? `s:${id}` : `o:${id.toHexString()}`;
}

/** The documents with these _ids (or null), in the ids' order; repeated ids are asked for once. */
export async function findByIds<T extends { _id: Id }>(
  collection: mongo.Collection,
  ids: Id[],
  projection?: mongo.Document,
): Promise<(T | null)[]> {
  const distinct = [...new Map(ids.map((id) => [keyOf(id), id])).values()];
  // The driver types every _id as an ObjectId; string _ids are just as valid to the server.
  const filter = { _id: { $in: distinct } } as mongo.Filter<mongo.Document>;
  const documents = await collection.find<T>(filter, { projection, batchSize: distinct.length }).toArray();
  const byKey = new Map(documents.map((document) => [keyOf(document._id), document]));
  return ids.map((id) => byKey.get(keyOf(id)) ?? null);
}

export interface ByIdBatcher<T> {
  /** The document with this _id, or null. */
  load(id: Id): Promise<T | null>;
}

/**
 * Reads documents by _id; the lookups of one loop turn share one `{ _id: { $in } }` query, which is
 * index-backed on every server. Several callers may get the same object: treat it as read-only.
 */
export function createByIdBatcher<T extends { _id: Id }>(
  collection: mongo.Collection,
  options: { projection?: mongo.Document } = {},
): ByIdBatcher<T> {
  const batcher = createMicroBatcher<Id, T | null>(
    async (ids) => (await findByIds<T>(collection, ids, options.projection)).map((document) => fulfilled(document)),
    { maxBatchSize: MAX_BATCH_SIZE, coalesceMs: BATCH_COALESCE_MS },
  );
  return { load: (id) => batcher.submit(id) };
}
