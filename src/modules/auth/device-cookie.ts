import type { CookieOptions, Request, Response } from 'express';
import type { Config } from '../../config/env';
import { cookieValues } from '../../lib/cookie-header';
import type { IssuedDeviceToken } from './device-token';

/**
 * Sets and reads the device cookie: the refresh cookie's path, SameSite and Secure, a lifetime of its
 * own, and never cleared by logout (it marks the browser, not the session).
 */
export function createDeviceCookie(cookie: Config['cookie'], device: Config['deviceCookie']) {
  const attributes: CookieOptions = { httpOnly: true, secure: cookie.secure, sameSite: cookie.sameSite, path: cookie.path };
  return {
    set(res: Response, token: IssuedDeviceToken): void {
      res.cookie(device.name, token.value, { ...attributes, maxAge: token.maxAgeMs });
    },
    /** Every device cookie the request carries: a sibling site may have tossed in one of its own. */
    read(req: Request): string[] {
      return cookieValues(req.get('cookie'), device.name).filter((value) => value.length > 0);
    },
  };
}

export type DeviceCookie = ReturnType<typeof createDeviceCookie>;
