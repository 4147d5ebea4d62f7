import type { Request } from 'express';
import { NotFoundError } from '../errors/app-error';

/** Any request no route answered. */
export function rejectUnknownRoute(req: Request): never {
  throw new NotFoundError(`No route for ${req.method} ${req.path}.`);
}
