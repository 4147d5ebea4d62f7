import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { cookieValues } from '../../lib/cookie-header';

const BINDING_COOKIE = 'oauthBinding';
/** Only the OAuth routes (start, callback, exchange) ever receive it. */
export const BINDING_COOKIE_PATH = '/api/v1/auth/oauth';
const BINDING_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The cookie that binds a sign-in to the browser that started it: the attempt and the one-time code
 * store only its hash. SameSite=Lax, not Strict: the callback is a top-level GET redirect from the
 * provider's site, which a Strict cookie would not reach. A browser keeps one value for all its
 * attempts, so two tabs signing in at once do not void each other.
 */
export function createBindingCookie(options: { secure: boolean; maxAgeMs: number }) {
  /** The browser's binding: its one well-formed cookie, or undefined (none, malformed, or several tossed in). */
  function read(req: Request): string | undefined {
    const values = cookieValues(req.get('cookie'), BINDING_COOKIE);
    return values.length === 1 && BINDING_PATTERN.test(values[0]!) ? values[0] : undefined;
  }

  /** Keeps the browser's binding (or makes one) and renews its lifetime; returns it. */
  function ensure(req: Request, res: Response): string {
    const binding = read(req) ?? randomBytes(32).toString('base64url');
    res.cookie(BINDING_COOKIE, binding, {
      httpOnly: true,
      secure: options.secure,
      sameSite: 'lax',
      path: BINDING_COOKIE_PATH,
      maxAge: options.maxAgeMs,
    });
    return binding;
  }

  return { read, ensure };
}

export type BindingCookie = ReturnType<typeof createBindingCookie>;
