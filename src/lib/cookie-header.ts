function cookieNameOf(pair: string): string {
  const equals = pair.indexOf('=');
  return (equals === -1 ? pair : pair.slice(0, equals)).trim();
}

/** A cookie value as cookie-parser reads it: trimmed, unquoted, percent-decoded when that is valid. */
function cookieValueOf(pair: string): string {
  const equals = pair.indexOf('=');
  const raw = equals === -1 ? '' : pair.slice(equals + 1).trim();
  const unquoted = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  try {
    return decodeURIComponent(unquoted);
  } catch {
    return unquoted;
  }
}

/**
 * Every value a raw Cookie header carries under this name, in header order. Parsers keep one of
 * several (cookie-parser the first), but a duplicate is what a sibling subdomain tossing its own cookie
 * in looks like, so callers that authenticate with a cookie must see all of them.
 */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header
    .split(';')
    .filter((pair) => cookieNameOf(pair) === name)
    .map(cookieValueOf);
}

/** How many cookies of this name a raw Cookie header carries (see cookieValues). */
export function countCookies(header: string | undefined, name: string): number {
  return cookieValues(header, name).length;
}
