import type { NextFunction, Request, Response } from 'express';
import { logger } from '../lib/logger';

/** Logs one line per response: never headers, cookies, bodies or query strings (they may carry secrets). */
export function logRequests(req: Request, res: Response, next: NextFunction): void {
  const startedAt = process.hrtime.bigint();
  res.on('finish', () => {
    if (res.statusCode < 500 && !logger.isLevelEnabled('info')) return;
    const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    const meta = {
      method: req.method,
      path: req.originalUrl.split('?')[0],
      status: res.statusCode,
      durationMs: Math.round(durationMs * 10) / 10,
      requestId: res.locals.requestId as string,
      userId: (res.locals.auth as { userId?: string } | undefined)?.userId,
    };
    if (res.statusCode >= 500) logger.error('request failed', meta);
    else logger.info('request', meta);
  });
  next();
}
