import mongoose from 'mongoose';

/** The server's code for a write a unique index refused. */
export const DUPLICATE_KEY = 11000;

/** True for the server's duplicate-key error: a unique index refused a write. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof mongoose.mongo.MongoServerError && error.code === DUPLICATE_KEY;
}

const { mongo } = mongoose;

/**
 * True when the database could not be reached or did not answer in time (stopped, frozen, restarting,
 * or the client closing at shutdown): the request failed for a reason outside it and may be retried.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  return (
    error instanceof mongo.MongoNetworkError ||
    error instanceof mongo.MongoServerSelectionError ||
    error instanceof mongo.MongoOperationTimeoutError ||
    error instanceof mongo.MongoNotConnectedError ||
    error instanceof mongo.MongoTopologyClosedError ||
    error instanceof mongo.MongoClientClosedError ||
    error instanceof mongoose.Error.MongooseServerSelectionError
  );
}
