import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../../config/env';
import { UnauthenticatedError } from '../../errors/app-error';
import { countCookies } from '../../lib/cookie-header';
import type { IssuedRefreshToken } from './auth.service';

/** Sets, reads and clears the HttpOnly refresh-token cookie with one set of attributes. */
export function createRefreshCookie(cookie: Config['cookie'], now: () => Date) {
  const attributes: CookieOptions = {
    httpOnly: true,
    secure: cookie.secure,
    sameSite: cookie.sameSite,
    path: cookie.path,
  };
  return {
    set(res: Response, token: IssuedRefreshToken): void {
      res.cookie(cookie.name, token.value, { ...attributes, maxAge: Math.max(0, token.expiresAt.getTime() - now().getTime()) });
    },
    /** The one refresh cookie of the request; two or more (cookie tossing) are refused, never first-wins. */
    read(req: Request): string | undefined {
      if (countCookies(req.get('cookie'), cookie.name) > 1) {
        throw new UnauthenticatedError('REFRESH_TOKEN_INVALID', 'The request carries more than one refresh token cookie.');
      }
      const value: unknown = req.cookies?.[cookie.name];
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    },
    clear(res: Response): void {
      res.clearCookie(cookie.name, attributes);
    },
  };
}

export type RefreshCookie = ReturnType<typeof createRefreshCookie>;
