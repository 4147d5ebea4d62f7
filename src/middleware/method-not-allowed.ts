import type { Express, NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { boundedMemo } from '../lib/bounded-memo';

/** The parts of router 2's Layer this reads: `match` returns the match without storing request state. */
interface RouterLayer {
  match(path: string): { path: string } | false;
  route?: { methods: Record<string, boolean | undefined> };
  handle?: { stack?: RouterLayer[] };
}

/** Walks the routers the way Express dispatches, ignoring the method: every method some route serves at `path`. */
function collectMethods(stack: readonly RouterLayer[], path: string, into: Set<string>): void {
  for (const layer of stack) {
    const match = layer.match(path);
    if (!match) continue;
    if (layer.route) {
      for (const [method, served] of Object.entries(layer.route.methods)) if (served) into.add(method.toUpperCase());
    } else if (layer.handle?.stack) {
      const rest = path.slice(match.path.length);
      collectMethods(layer.handle.stack, rest.startsWith('/') ? rest : `/${rest}`, into);
    }
  }
}

/** What the app serves at `path`, as an Allow header lists it (Express answers HEAD with GET routes). */
export function allowedMethods(app: Express, path: string): string[] {
  const methods = new Set<string>();
  collectMethods((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, path, methods);
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** Paths whose methods are remembered: walking every router costs each request more than routing it does. */
export const REMEMBERED_PATHS = 1000;

/**
 * A known path called with a method none of its routes serves answers 405 with `Allow`, before any
 * router (so before authentication); unknown paths pass on to the 404. Derived from the routers
 * themselves (once the app is built, they do not change), so it cannot drift from them. OPTIONS
 * belongs to CORS.
 */
export function rejectUnservedMethods(app: Express) {
  const methodsAt = boundedMemo((path) => allowedMethods(app, path), REMEMBERED_PATHS);
  return function rejectUnservedMethod(req: Request, _res: Response, next: NextFunction): void {
    if (req.method === 'OPTIONS') return next();
    const allowed = methodsAt(req.path);
    if (allowed.length === 0 || allowed.includes(req.method)) return next();
    throw new AppError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not served at this path.`, { headers: { Allow: allowed.join(', ') } });
  };
}
