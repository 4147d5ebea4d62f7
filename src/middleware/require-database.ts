import type { NextFunction, Request, Response } from 'express';
import { databaseRetryAfterSeconds, databaseState, whenDatabaseUsable } from '../db/availability';
import { ServiceUnavailableError } from '../errors/app-error';

async function continueWhenUsable(next: NextFunction): Promise<void> {
  if (!(await whenDatabaseUsable())) throw new ServiceUnavailableError(databaseRetryAfterSeconds());
  next();
}

/**
 * Refuses requests that need the database while it is lost or its guarantees (unique indexes, atomic
 * conditional updates) are not verified on the server we talk to, so no write can rely on a guarantee
 * that is missing; answers at once rather than letting the request wait for the driver. Every API
 * request passes here: a usable database lets it on in the same tick, without a promise.
 */
export function requireDatabase(_req: Request, _res: Response, next: NextFunction): void | Promise<void> {
  if (databaseState() === 'ready') return next();
  return continueWhenUsable(next);
}
