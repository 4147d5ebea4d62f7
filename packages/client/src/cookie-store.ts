/**
 * Where the client keeps cookies outside a browser (Node: server-side rendering, scripts). Browsers keep the
 * refresh cookie themselves (HttpOnly, out of reach of scripts); pass no store there.
 */
export interface CookieStore {
  /** The `Cookie` header value for a request to `url`, or undefined when no cookie applies. */
  get(url: string): string | undefined | Promise<string | undefined>;
  /** Takes the `Set-Cookie` lines of a response from `url`. */
  set(url: string, setCookieLines: readonly string[]): void | Promise<void>;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expiresAt: number;
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}

function parseSetCookie(line: string, now: number): StoredCookie | undefined {
  const [pair = '', ...attributes] = line.split(';');
  const separator = pair.indexOf('=');
  if (separator <= 0) return undefined;
  const cookie: StoredCookie = {
    name: pair.slice(0, separator).trim(),
    value: pair.slice(separator + 1).trim(),
    path: '/',
    expiresAt: Infinity,
  };
  for (const attribute of attributes) {
    const [key = '', ...rest] = attribute.split('=');
    const value = rest.join('=').trim();
    const name = key.trim().toLowerCase();
    if (name === 'path' && value.startsWith('/')) cookie.path = value;
    else if (name === 'max-age' && /^-?\d+$/.test(value)) cookie.expiresAt = now + Number(value) * 1000;
    else if (name === 'expires' && cookie.expiresAt === Infinity && !Number.isNaN(Date.parse(value))) cookie.expiresAt = Date.parse(value);
  }
  return cookie;
}

/**
 * A cookie store in memory for one service (one origin): honours `Path`, `Max-Age` and `Expires`, so a
 * cleared cookie is gone. One store is one browser's cookie jar; give each simulated user their own.
 */
export function createMemoryCookieStore(): CookieStore {
  const cookies = new Map<string, StoredCookie>();
  const keyOf = (cookie: Pick<StoredCookie, 'name' | 'path'>) => `${cookie.path}\n${cookie.name}`;
  return {
    get(url) {
      const now = Date.now();
      const requestPath = new URL(url).pathname;
      const applicable = [...cookies.values()].filter((cookie) => cookie.expiresAt > now && pathMatches(requestPath, cookie.path));
      // Longer paths first, as browsers order them.
      applicable.sort((a, b) => b.path.length - a.path.length);
      return applicable.length > 0 ? applicable.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
    },
    set(_url, setCookieLines) {
      const now = Date.now();
      for (const line of setCookieLines) {
        const cookie = parseSetCookie(line, now);
        if (!cookie) continue;
        if (cookie.expiresAt <= now) cookies.delete(keyOf(cookie));
        else cookies.set(keyOf(cookie), cookie);
      }
    },
  };
}
