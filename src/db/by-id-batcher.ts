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

/** The ids once each (the query's `$in`), and a way to hand each id, in the given order, its result. */
function distinctIdsOf(ids: Id[]): { distinct: Id[]; inOrder<R>(results: R[], idOf: (result: R) => Id): (R | null)[] } {
  const distinct = [...new Map(ids.map((id) => [keyOf(id), id])).values()];
  return {
    distinct,
    inOrder(results, idOf) {
      const byKey = new Map(results.map((result) => [keyOf(idOf(result)), result]));
      return ids.map((id) => byKey.get(keyOf(id)) ?? null);
    },
  };
}

/** The driver types every _id as an ObjectId; string _ids are just as valid to the server. */
function idIn(distinct: Id[]): mongo.Filter<mongo.Document> {
  return { _id: { $in: distinct } } as mongo.Filter<mongo.Document>;
}

/** The documents with these _ids (or null), in the ids' order; repeated ids are asked for once. */
export async function findByIds<T extends { _id: Id }>(collection: mongo.Collection, ids: Id[]): Promise<(T | null)[]> {
  const { distinct, inOrder } = distinctIdsOf(ids);
  const documents = await collection.find<T>(idIn(distinct), { batchSize: distinct.length }).toArray();
  return inOrder(documents, (document) => document._id);
}

/**
 * With each document, the document of another collection whose _id one of its fields holds: a
 * session's user, say. One `$lookup` by `_id`, so both come in one round trip.
 */
export interface JoinById<J> {
  /** The other collection. */
  from: string;
  /** The field of this collection's documents that holds the other document's _id. */
  localField: string;
  /**
   * The other document's fields to keep. The server sends it whole (mongo-java-server's `$lookup`
   * takes no pipeline to project with); the rest is dropped here, before anyone sees it.
   */
  fields: readonly (keyof J & string)[];
}

export interface Joined<T, J> {
  document: T;
  /** Null when no document of the other collection has that _id. */
  joined: J | null;
}

const JOINED_AS = 'joined';

function picked<J>(document: mongo.Document | undefined, fields: readonly string[]): J | null {
  if (!document) return null;
  const kept: mongo.Document = {};
  for (const field of fields) if (field in document) kept[field] = document[field];
  return kept as J;
}

/** The aggregation that reads these documents with their joined ones (exported for the query-plan checks). */
export function byIdsJoinedPipeline(ids: Id[], join: Pick<JoinById<unknown>, 'from' | 'localField'>): mongo.Document[] {
  return [{ $match: idIn(ids) }, { $lookup: { from: join.from, localField: join.localField, foreignField: '_id', as: JOINED_AS } }];
}

/** The documents with these _ids (or null), each with its joined document, in the ids' order. */
export async function findByIdsJoined<T extends { _id: Id }, J>(
  collection: mongo.Collection,
  ids: Id[],
  join: JoinById<J>,
): Promise<(Joined<T, J> | null)[]> {
  const { distinct, inOrder } = distinctIdsOf(ids);
  const pipeline = byIdsJoinedPipeline(distinct, join);
  const found = await collection.aggregate<T & { [JOINED_AS]: mongo.Document[] }>(pipeline, { batchSize: distinct.length }).toArray();
  const results = found.map(({ [JOINED_AS]: others, ...document }): Joined<T, J> => ({
    // The rest of a T after taking the added field away is that T again.
    document: document as unknown as T,
    joined: picked<J>(others[0], join.fields),
  }));
  return inOrder(results, (result) => result.document._id);
}

export interface ByIdBatcher<T> {
  /** The document with this _id, or null. */
  load(id: Id): Promise<T | null>;
}

/**
 * Reads documents by _id, each with its joined document; the lookups of one loop turn share one
 * `{ _id: { $in } }` match, which is index-backed on every server, as is the `$lookup` by `_id`.
 * Several callers may get the same objects: treat them as read-only.
 */
export function createJoinedByIdBatcher<T extends { _id: Id }, J>(
  collection: mongo.Collection,
  join: JoinById<J>,
): ByIdBatcher<Joined<T, J>> {
  const batcher = createMicroBatcher<Id, Joined<T, J> | null>(
    async (ids) => (await findByIdsJoined<T, J>(collection, ids, join)).map((result) => fulfilled(result)),
    { maxBatchSize: MAX_BATCH_SIZE, coalesceMs: BATCH_COALESCE_MS },
  );
  return { load: (id) => batcher.submit(id) };
}
