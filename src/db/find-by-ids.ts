import { Types, type mongo } from 'mongoose';

type Id = Types.ObjectId | string;

/** A find's first reply holds up to 101 documents by default, so a batch this size needs one round trip. */
export const MAX_BATCH_SIZE = 100;

/**
 * How long batched reads and counts wait for their batcher's running batch before starting their own
 * anyway: a hung query must hold them only this long. Under load the running batch ends first, since
 * a loop turn lasts milliseconds; a bound shorter than a turn would split the waiting items again.
 */
export const BATCH_COALESCE_MS = 20;

const OBJECT_ID_HEX = /^[0-9a-f]{24}$/;

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

/**
 * The documents whose ObjectId _ids are written as these hex strings (the ids tokens carry), in their
 * order: null for a missing document or a string that writes no ObjectId. Each distinct id is converted
 * once, whatever the number of callers asking for it; no query runs when no string is an id.
 */
export async function findByObjectIdHexes<T extends { _id: Types.ObjectId }>(
  collection: mongo.Collection,
  hexIds: readonly string[],
  projection?: mongo.Document,
): Promise<(T | null)[]> {
  const normalized = hexIds.map((hex) => hex.toLowerCase());
  const distinct = [...new Set(normalized)].filter((hex) => OBJECT_ID_HEX.test(hex));
  const found =
    distinct.length > 0
      ? await findByIds<T>(
          collection,
          distinct.map((hex) => new Types.ObjectId(hex)),
          projection,
        )
      : [];
  const byHex = new Map(distinct.map((hex, index) => [hex, found[index] ?? null]));
  return normalized.map((hex) => byHex.get(hex) ?? null);
}
