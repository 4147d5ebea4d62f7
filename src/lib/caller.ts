import type { Request } from 'express';
import type { Role } from '../config/roles';
import { UnauthenticatedError } from '../errors/app-error';

/**
 * The authenticated caller as every module's middleware may read it. The auth module's `authenticate`
 * is its only writer and stores the users module's full `AuthContext` (which extends this), so
 * modules below auth can check roles without importing it.
 */
export interface Caller {
  userId: string;
  sessionId: string;
  role: Role;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own augmentation point
  namespace Express {
    interface Request {
      auth?: Caller;
      /** True when the caller's role must use a second factor and this session has none (MFA_REQUIRED_ROLES). */
      secondFactorMissing?: boolean;
    }
  }
}

/** The authenticated caller; only call behind `authenticate`. */
export function callerOf(req: Request): Caller {
  if (!req.auth) throw new UnauthenticatedError();
  return req.auth;
}
