import mongoose from 'mongoose';

/** True for the server's duplicate-key error (11000): a unique index refused a write. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof mongoose.mongo.MongoServerError && error.code === 11000;
}
