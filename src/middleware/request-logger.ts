import type { NextFunction, Request, Response } from 'express';
import { logger } from '../lib/logger';

/** Probes poll every few seconds: their lines would drown the rest at info. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

function levelOf(path: string, status: number): 'debug' | 'info' | 'warn' | 'error' {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  return PROBE_PATHS.has(path) ? 'debug' : 'info';
}

/**
 * Logs exactly one line per request, when the response finishes or the connection closes first (an
 * aborted upload): status, problem code, duration; a server fault carries its error. Never headers,
 * cookies, bodies or query strings (they may carry secrets).
 */
export function logRequests(req: Request, res: Response, next: NextFunction): void {
  const startedAt = process.hrtime.bigint();
  let logged = false;
  const logOnce = (): void => {
    if (logged) return;
    logged = true;
    const path = req.originalUrl.split('?')[0] ?? '';
    const level = levelOf(path, res.statusCode);
    if (!logger.isLevelEnabled(level)) return;
    const durationMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
    logger.log(level, level === 'error' ? 'request failed' : 'request', {
      method: req.method,
      path,
      status: res.statusCode,
      code: res.locals.problemCode as string | undefined,
      durationMs: Math.round(durationMs * 10) / 10,
      requestId: res.locals.requestId as string,
      userId: (res.locals.auth as { userId?: string } | undefined)?.userId,
      error: res.locals.serverFault as unknown,
    });
  };
  res.on('finish', logOnce);
  res.on('close', logOnce);
  next();
}
