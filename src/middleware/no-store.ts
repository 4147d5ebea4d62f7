import type { NextFunction, Request, Response } from 'express';

/**
 * Responses that carry tokens or personal data (and their errors) must not be kept by a browser or a
 * shared cache: set before anything can answer, so a 401, 405 or 429 carries it too.
 */
export function forbidCaching(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  next();
}
