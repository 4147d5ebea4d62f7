import autocannon from 'autocannon';

export interface LoadFigures {
  requestsPerSecond: number;
  /** Successful (2xx) answers per second: what counts when some answers are refusals (503 BUSY). */
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Answers per status code other than 2xx, e.g. { "503": 12 }: says what a failing row failed with. */
  refusals: Record<string, number>;
}

export interface LoadSpec {
  url: string;
  connections: number;
  durationS: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  setupClient?: (client: autocannon.Client) => void;
  requests?: autocannon.SequenceRequest[];
}

// Logins queue behind bcrypt for seconds under load; the default 10 s timeout would count them as errors.
const TIMEOUT_S = 30;

/** Runs one autocannon load and resolves with the figures the report needs. */
export function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        method: spec.method ?? 'GET',
        headers: spec.headers,
        body: spec.body,
        timeout: TIMEOUT_S,
        setupClient: spec.setupClient,
        requests: spec.requests,
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          requestsPerSecond: result.requests.average,
          okPerSecond: result.duration > 0 ? result['2xx'] / result.duration : 0,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          requests: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          refusals: Object.fromEntries(
            Object.entries(result.statusCodeStats)
              .filter(([status]) => !status.startsWith('2'))
              .map(([status, stats]) => [status, stats.count]),
          ),
        });
      },
    );
  });
}

/** Gives connection n the n-th header set (modulo), e.g. its own session's access token. */
export function headersPerConnection(headerSets: Record<string, string>[]): (client: autocannon.Client) => void {
  let next = 0;
  return (client) => {
    const headers = headerSets[next++ % headerSets.length];
    if (headers) client.setHeaders(headers);
  };
}

/** What http-parser-js reports when a response's headers are complete: raw [name, value, ...] pairs. */
interface ParsedHeaders {
  headers: string[];
}

function cookieFromSetCookie(rawHeaders: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const value = rawHeaders[i + 1];
    if (rawHeaders[i]?.toLowerCase() === 'set-cookie' && value?.startsWith(`${name}=`)) return value.split(';')[0];
  }
  return undefined;
}

/**
 * Gives each connection its own refresh-token chain: it starts with one session's cookie and, as a
 * browser would, replaces it with the rotated cookie of every response. With one request in flight per
 * connection (no pipelining) the next request is built only after the headers were read, so a chain
 * never presents a spent token unless a request failed.
 */
export function cookieChainPerConnection(
  cookies: string[],
  baseHeaders: Record<string, string>,
  cookieName: string,
): (client: autocannon.Client) => void {
  let next = 0;
  return (client) => {
    const initial = cookies[next++];
    if (!initial) throw new Error(`more connections than seeded refresh chains (${cookies.length})`);
    client.setHeaders({ ...baseHeaders, cookie: initial });
    client.on('headers', (parsed: ParsedHeaders) => {
      const rotated = cookieFromSetCookie(parsed.headers, cookieName);
      if (rotated) client.setHeaders({ ...baseHeaders, cookie: rotated });
    });
  };
}

/** The value below which `fraction` of the values lie (0.5: the median); 0 when there are none. */
export function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

/**
 * Sends each request with the next body of the list (shared by all connections, round robin), e.g. a
 * different address each time, and adds every response time, in milliseconds, to `durationsMs` (for
 * percentiles finer than autocannon's whole milliseconds).
 */
export function bodiesInTurn(bodies: string[], durationsMs: number[]): (client: autocannon.Client) => void {
  let next = 0;
  const take = (): string => bodies[next++ % bodies.length]!;
  return (client) => {
    client.setBody(take());
    client.on('response', (_status: number, _bytes: number, durationMs: number) => {
      durationsMs.push(durationMs);
      client.setBody(take());
    });
  };
}
