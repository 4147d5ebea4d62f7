/** What a test needs to know about one response from a real server process. */
export interface TimedResponse {
  status: number;
  headers: Headers;
  body: { code?: string; data?: Record<string, unknown> } & Record<string, unknown>;
  /** Milliseconds from sending the request to reading the whole body. */
  ms: number;
  /** The `name=value` part of the refresh cookie the response set, if any. */
  refreshCookie?: string;
}

const CLIENT_TIMEOUT_MS = 60_000;

/**
 * Sends one request with fetch and times it; a response that never comes fails after a minute rather
 * than hanging the test, so a hang shows up as a timing far above the asserted bound.
 */
export async function timedRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; cookie?: string; bearer?: string } = {},
): Promise<TimedResponse> {
  const headers: Record<string, string> = { 'X-Requested-With': 'keyhold-tests' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.cookie) headers.Cookie = options.cookie;
  if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
  const started = Date.now();
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
  });
  const text = await response.text();
  const ms = Date.now() - started;
  const refreshCookie = response.headers
    .getSetCookie()
    .find((line) => /^refreshToken=[^;]+/.test(line))
    ?.split(';')[0];
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as TimedResponse['body']) : {},
    ms,
    refreshCookie,
  };
}

/** Polls `path` until it answers `status` (or fails after `timeoutMs`); returns how long that took. */
export async function waitForStatus(baseUrl: string, path: string, status: number, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await timedRequest(baseUrl, 'GET', path).catch(() => undefined);
    if (response?.status === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${path} did not answer ${status} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
