import type { Request } from 'express';
import { callerOf, type Caller } from '../../lib/caller';
import type { SessionRecord } from '../sessions';
import type { UserFields } from './user.view';

/** The authenticated caller with the records the session check read, so GET /me needs no second read. */
export interface AuthContext extends Caller {
  user: UserFields;
  session: SessionRecord;
}

/**
 * The authenticated caller; only call behind `authenticate`. The auth module's `authenticate` is the
 * only writer of `req.auth` and always stores a full AuthContext, which the kernel types as its Caller part.
 */
export function authOf(req: Request): AuthContext {
  return callerOf(req) as AuthContext;
}
