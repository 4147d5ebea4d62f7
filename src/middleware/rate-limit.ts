import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit, type AugmentedRequest } from 'express-rate-limit';
import { RateLimitedError } from '../errors/app-error';
import { toSeconds } from '../lib/duration';

function passThrough(_req: Request, _res: Response, next: NextFunction): void {
  next();
}

/** A per-IP limiter with the standard RateLimit headers; answers through the error middleware. */
export function limitRequests(options: { enabled: boolean; windowMs: number; limit: number }): RequestHandler {
  if (!options.enabled) return passThrough;
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, _res, next) => {
      const resetTime = (req as AugmentedRequest).rateLimit?.resetTime;
      const retryAfterMs = resetTime ? resetTime.getTime() - Date.now() : options.windowMs;
      next(new RateLimitedError(toSeconds(Math.max(retryAfterMs, 1000)), 'Too many requests; slow down.'));
    },
  });
}
