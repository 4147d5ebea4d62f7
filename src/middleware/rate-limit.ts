import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type AugmentedRequest, type Store } from 'express-rate-limit';
import { RateLimitedError } from '../errors/app-error';
import { boundedMemo } from '../lib/bounded-memo';
import { toSeconds } from '../lib/duration';
import { logger } from '../lib/logger';
import { createRateLimitHeaders } from './rate-limit-headers';

/** Probes and metrics answer without the limiter, so they never depend on its store (or the database). */
const OPERATIONAL_PATHS = new Set(['/', '/healthz', '/readyz', '/metrics', '/.well-known/jwks.json', '/.well-known/openid-configuration']);

/** The addresses of one IPv6 /56 (one home or office network) share a budget, as in express-rate-limit's default. */
const IPV6_SUBNET = 56;

// Clients whose key is remembered.
const REMEMBERED_CLIENTS = 10_000;

/**
 * A client's key, as express-rate-limit's default key generator makes it (an IPv4-mapped address counts
 * as its IPv4 address), remembered per address: the default parses an IPv6 address twice per request.
 */
const clientKeyOf = boundedMemo((address) => ipKeyGenerator(address, IPV6_SUBNET), REMEMBERED_CLIENTS);

function passThrough(_req: Request, _res: Response, next: NextFunction): void {
  next();
}

// express-rate-limit logs through this; a store that cannot be reached is logged and the request passes.
const limiterLogger = {
  error: (error: unknown, message = 'rate-limit store error') => logger.warn(message, { error }),
  warn: (error: unknown, message = 'rate-limit warning') => logger.warn(message, { error }),
};

/**
 * A per-IP limiter with the standard RateLimit headers; answers through the error middleware.
 * Counts go to `store` (shared by every instance) or, without one, to this process's memory.
 */
export function limitRequests(options: {
  enabled: boolean;
  windowMs: number;
  limit: number;
  store?: Store;
  skipOperational?: boolean;
}): RequestHandler {
  if (!options.enabled) return passThrough;
  const writeHeaders = createRateLimitHeaders(options);
  const limiter = rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    // Written by writeHeaders below, the same draft-8 headers at a fraction of the cost.
    standardHeaders: false,
    legacyHeaders: false,
    store: options.store,
    passOnStoreError: true,
    logger: limiterLogger,
    keyGenerator: (req) => clientKeyOf(req.ip ?? ''),
    // That check reads the key generator's source for req.ip without ipKeyGenerator; clientKeyOf uses it.
    validate: { keyGeneratorIpFallback: false },
    skip: (req) => options.skipOperational === true && req.method === 'GET' && OPERATIONAL_PATHS.has(req.path),
    handler: (req, _res, next) => {
      const resetTime = (req as AugmentedRequest).rateLimit?.resetTime;
      const retryAfterMs = resetTime ? resetTime.getTime() - Date.now() : options.windowMs;
      next(new RateLimitedError(toSeconds(Math.max(retryAfterMs, 1000)), 'Too many requests; slow down.'));
    },
  });
  return (req, res, next) =>
    limiter(req, res, (error?: unknown) => {
      writeHeaders(req, res);
      next(error);
    });
}
