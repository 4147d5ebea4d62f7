import { types } from 'node:util';
import mongoose from 'mongoose';

/** The server's code for a write a unique index refused. */
export const DUPLICATE_KEY = 11000;

/** True for the server's duplicate-key error: a unique index refused a write. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof mongoose.mongo.MongoServerError && error.code === DUPLICATE_KEY;
}

const { mongo } = mongoose;

/**
 * Codes of a Node socket error for a connection that broke: the peer closed it (EPIPE, ECONNRESET,
 * ECONNABORTED) or stopped answering (ETIMEDOUT, EHOSTUNREACH, ENETUNREACH).
 */
const BROKEN_CONNECTION_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * A raw socket error, not wrapped in a MongoError: the driver (mongodb 6.20 under Mongoose, and 7.x)
 * rethrows the socket's own error when a command's write waits for 'drain' and the server has closed
 * the connection meanwhile (a write after the peer's FIN fails with EPIPE). Requests wait on no other
 * raw socket: outgoing HTTP (fetch) fails with a TypeError that holds such an error as its cause.
 */
function isBrokenSocketError(error: unknown): boolean {
  if (!types.isNativeError(error)) return false;
  const { code } = error as NodeJS.ErrnoException;
  return code !== undefined && BROKEN_CONNECTION_CODES.has(code);
}

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
    error instanceof mongoose.Error.MongooseServerSelectionError ||
    isBrokenSocketError(error)
  );
}
