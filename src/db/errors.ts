import mongoose from 'mongoose';

/** The server's code for a write a unique index refused. */
export const DUPLICATE_KEY = 11000;

/** True for the server's duplicate-key error: a unique index refused a write. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof mongoose.mongo.MongoServerError && error.code === DUPLICATE_KEY;
}
