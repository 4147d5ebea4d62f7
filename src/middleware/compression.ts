import compression from 'compression';
import type { Request, RequestHandler, Response } from 'express';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

function isJsonResponse(_req: Request, res: Response): boolean {
  return JSON_TYPE.test(String(res.getHeader('Content-Type') ?? ''));
}

/**
 * Compresses JSON responses of `thresholdBytes` or more for clients that accept it: brotli (quality 4,
 * compression's default, cheap enough per request) or gzip, as the client prefers. Smaller bodies are
 * sent as they are: below about a kilobyte the headers and the CPU cost more than the bytes saved.
 */
export function compressJson(options: { thresholdBytes: number }): RequestHandler {
  return compression({ threshold: options.thresholdBytes, filter: isJsonResponse });
}
