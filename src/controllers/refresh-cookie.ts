import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../config/env';
import type { IssuedRefreshToken } from '../services/auth.service';

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
    read(req: Request): string | undefined {
      const value: unknown = req.cookies?.[cookie.name];
      return typeof value === 'string' && value.length > 0 ? value : undefined;
    },
    clear(res: Response): void {
      res.clearCookie(cookie.name, attributes);
    },
  };
}

export type RefreshCookie = ReturnType<typeof createRefreshCookie>;
