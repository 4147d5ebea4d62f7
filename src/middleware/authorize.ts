import type { NextFunction, Request, Response } from 'express';
import { roleHasPermission, type Permission } from '../config/roles';
import { ForbiddenError } from '../errors/app-error';
import { callerOf } from '../lib/caller';
import { logger } from '../lib/logger';
import { isSameObjectId } from '../lib/object-id';

function deny(req: Request, permission: Permission): never {
  const auth = callerOf(req);
  logger.warn('access denied', {
    userId: auth.userId,
    role: auth.role,
    permission,
    method: req.method,
    path: req.originalUrl.split('?')[0],
  });
  throw new ForbiddenError();
}

/**
 * A right beyond the plain `user` role needs a second factor in this session when the caller's role
 * is in MFA_REQUIRED_ROLES; the owner's own routes and /me stay open so the user can enrol.
 */
function assertSecondFactorFor(req: Request, permission: Permission): void {
  if (req.secondFactorMissing && !roleHasPermission('user', permission)) {
    throw new ForbiddenError(
      'MFA_ENROLLMENT_REQUIRED',
      'Your role needs multi-factor authentication: enrol at /api/v1/me/mfa/totp, then sign in with a code.',
    );
  }
}

/** Lets the caller through when their current role grants the permission. */
export function requirePermission(permission: Permission) {
  return function checkPermission(req: Request, _res: Response, next: NextFunction): void {
    if (!roleHasPermission(callerOf(req).role, permission)) deny(req, permission);
    assertSecondFactorFor(req, permission);
    next();
  };
}

/** Lets the owner of the user resource in `:id` through, and anyone else whose role grants the permission. */
export function allowOwnerOr(permission: Permission) {
  return function checkOwnerOrPermission(req: Request, _res: Response, next: NextFunction): void {
    const auth = callerOf(req);
    if (!isSameObjectId(String(req.params.id), auth.userId)) {
      if (!roleHasPermission(auth.role, permission)) deny(req, permission);
      assertSecondFactorFor(req, permission);
    }
    next();
  };
}
