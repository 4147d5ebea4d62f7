import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { RequestSample } from './metrics.service';

/**
 * The route template of a request (`/api/v1/users/:id`), never its raw path, so label values stay few.
 * Express sets `req.route` when a route matches, while `req.baseUrl` still holds the routers' mount
 * path, and resets `baseUrl` before an error response finishes, so both are watched as they are set.
 * A request a router turned away before any route matched (a 401 from router-level authentication)
 * is labelled with that router's mount path: `/api/v1/users/*`; one no router took is `unmatched`.
 */
function captureRouteTemplate(req: Request): () => string {
  let template: string | undefined;
  let deepestBase = '';
  let route: unknown;
  let baseUrl = req.baseUrl;
  Object.defineProperty(req, 'baseUrl', {
    configurable: true,
    enumerable: true,
    get: () => baseUrl,
    set(value: string) {
      baseUrl = value;
      if (value.length > deepestBase.length) deepestBase = value;
    },
  });
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (typeof value?.path === 'string') template = `${baseUrl}${value.path}`.replace(/(.)\/$/, '$1');
    },
  });
  return () => template ?? (deepestBase ? `${deepestBase}/*` : 'unmatched');
}

/** Times every request and hands it to the metrics service when the response is finished. */
export function measureRequests(metrics: { observeRequest(sample: RequestSample): void }): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const startedAt = performance.now();
    const template = captureRouteTemplate(req);
    res.on('finish', () => {
      metrics.observeRequest({
        method: req.method,
        route: template(),
        status: res.statusCode,
        code: res.locals.problemCode as string | undefined,
        seconds: (performance.now() - startedAt) / 1000,
      });
    });
    next();
  };
}
