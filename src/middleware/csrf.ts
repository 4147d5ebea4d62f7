import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../errors/app-error';

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

function isJsonRequest(req: Request): boolean {
  const mediaType = (req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

/**
 * Guards cookie-authenticated routes against cross-site use: the Origin (or Referer) must be this
 * service or an allowed frontend, and the request must be one an HTML form cannot send
 * (a JSON content type or an X-Requested-With header, both of which need a CORS preflight).
 */
export function rejectCrossSiteRequests(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  return function rejectCrossSite(req: Request, _res: Response, next: NextFunction): void {
    const origin = req.get('origin') ?? originOf(req.get('referer'));
    const ownOrigin = `${req.protocol}://${req.get('host') ?? ''}`;
    if (origin !== undefined && origin !== ownOrigin && !allowed.has(origin)) {
      throw new ForbiddenError('CSRF_REJECTED', 'Cross-site requests to this route are refused.');
    }
    if (!isJsonRequest(req) && !req.get('x-requested-with')) {
      throw new ForbiddenError('CSRF_REJECTED', 'Send "Content-Type: application/json" or an X-Requested-With header.');
    }
    next();
  };
}
