function cookieNameOf(pair: string): string {
  const equals = pair.indexOf('=');
  return (equals === -1 ? pair : pair.slice(0, equals)).trim();
}

/**
 * How many cookies of this name a raw Cookie header carries. Parsers keep one of several (cookie-parser
 * the first), but a duplicate is what a sibling subdomain tossing its own cookie in looks like, so
 * callers that authenticate with a cookie must see all of them.
 */
export function countCookies(header: string | undefined, name: string): number {
  if (!header) return 0;
  return header.split(';').filter((pair) => cookieNameOf(pair) === name).length;
}
