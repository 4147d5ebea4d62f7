import { randomBytes } from 'node:crypto';
import mongoose, { type Model, type mongo } from 'mongoose';

/** Where the conditional-update probe writes its one short-lived document. */
const PROBE_COLLECTION = 'keyhold_probes';

type IndexKey = Record<string, unknown>;

function sameKey(a: IndexKey, b: IndexKey): boolean {
  const left = Object.entries(a);
  const right = Object.entries(b);
  return left.length === right.length && left.every(([field, order], index) => right[index]?.[0] === field && right[index]?.[1] === order);
}

/** The unique indexes a model declares (correctness rests on them), as `{ key }` pairs. */
function declaredUniqueKeys(model: Model<unknown>): IndexKey[] {
  return model.schema
    .indexes()
    .filter(([, options]) => options?.unique === true)
    .map(([key]) => key as IndexKey);
}

/** Names the declared unique indexes the server does not have (a collection that is gone has none). */
async function missingUniqueIndexes(model: Model<unknown>): Promise<string[]> {
  const declared = declaredUniqueKeys(model);
  if (declared.length === 0) return [];
  const present = (await model.collection.indexes()) as mongo.IndexDescriptionInfo[];
  return declared
    .filter((key) => !present.some((index) => index.unique === true && sameKey(index.key as IndexKey, key)))
    .map((key) => `${model.collection.collectionName}(${Object.keys(key).join(',')})`);
}

/** A conditional update must change a document only while its condition holds: of two racing, one wins. */
async function probeConditionalUpdate(db: mongo.Db): Promise<boolean> {
  const probes = db.collection<{ _id: string; usedAt: Date | null }>(PROBE_COLLECTION);
  const _id = randomBytes(12).toString('hex');
  await probes.insertOne({ _id, usedAt: null });
  try {
    const claims = await Promise.all(
      [1, 2].map(() => probes.updateOne({ _id, usedAt: null }, { $set: { usedAt: new Date() } }).then((result) => result.modifiedCount)),
    );
    return claims.reduce((sum, count) => sum + count, 0) === 1;
  } finally {
    await probes.deleteOne({ _id });
  }
}

/**
 * Makes sure the database gives what correctness rests on: every model's indexes exist (built when
 * missing, as on a database restored or restarted empty) with the unique ones verified, and a
 * conditional update changes a document once. Returns the problems found; empty means it holds.
 */
export async function ensureDatabaseGuarantees(): Promise<string[]> {
  const db = mongoose.connection.db;
  if (!db) return ['not connected'];
  const models = Object.values(mongoose.models) as Model<unknown>[];
  await Promise.all(models.map((model) => model.createIndexes()));
  const missing = (await Promise.all(models.map(missingUniqueIndexes))).flat();
  const problems = missing.map((name) => `unique index missing: ${name}`);
  if (!(await probeConditionalUpdate(db))) problems.push('a conditional update changed a document twice');
  return problems;
}
