import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler } from 'express';
import { UnauthenticatedError } from '../../errors/app-error';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Who may scrape: with METRICS_TOKEN, only `Authorization: Bearer <token>` (compared in constant time);
 * without one, anybody outside production, and in production nobody (the route answers 404 as if absent).
 */
export function allowMetricsScrape(options: { token?: string; isProduction: boolean }): RequestHandler {
  const expected = options.token === undefined ? undefined : digest(`Bearer ${options.token}`);
  return (req: Request, _res, next: NextFunction) => {
    if (!expected) return options.isProduction ? next('router') : next();
    if (timingSafeEqual(digest(req.get('authorization') ?? ''), expected)) return next();
    next(new UnauthenticatedError('UNAUTHENTICATED', 'Scraping the metrics needs the metrics bearer token.'));
  };
}
