import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors/app-error';

const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/** body-parser's error `type`s, each a fault of the client's request. */
const BODY_ERRORS: Record<string, { status: number; code: string; detail: string }> = {
  'entity.parse.failed': { status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON.' },
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is too large.' },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The content encoding is not supported.' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The charset is not supported.' },
  'request.aborted': { status: 400, code: 'MALFORMED_BODY', detail: 'The request body ended before it was complete.' },
  'request.size.invalid': { status: 400, code: 'MALFORMED_BODY', detail: 'The request body does not match its Content-Length.' },
};

const UNDECODABLE = { status: 400, code: 'MALFORMED_BODY', detail: 'The request body could not be decoded with its Content-Encoding.' };

function isClientFault(error: unknown): error is { status: number; type?: unknown } {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * The body-reader's failures as client errors with stable codes. A broken gzip, deflate or brotli body
 * reaches us as zlib's own error, which body-parser marks 400 but gives no `type`: anything 4xx from the
 * reader is the client's body. Its 5xx (a stream misused by our own code) stays a server error.
 */
function toBodyError(error: unknown): unknown {
  if (!isClientFault(error)) return error;
  const known = (typeof error.type === 'string' && BODY_ERRORS[error.type]) || UNDECODABLE;
  return new AppError(known.status, known.code, known.detail);
}

/** JSON bodies (also gzip, deflate or br encoded) up to `limit`; other media types are left unread. */
export function parseJsonBody(options: { limit: string }): RequestHandler {
  const parse = express.json({ limit: options.limit, type: JSON_MEDIA_TYPES });
  return function parseJson(req: Request, res: Response, next: NextFunction): void {
    parse(req, res, (error?: unknown) => next(error === undefined ? undefined : toBodyError(error)));
  };
}
