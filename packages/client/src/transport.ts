import type { CookieStore } from './cookie-store.js';
import { KeyholdError } from './errors.js';
import type { OperationSpec } from './operation-table.js';

export interface RequestInput {
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

export interface TransportOptions {
  /** The service's origin, e.g. `https://auth.example.com`. */
  baseUrl: string;
  fetch: typeof fetch;
  cookieStore: CookieStore | undefined;
}

export interface Reply {
  status: number;
  body: unknown;
  retryAfter: number | undefined;
}

function urlOf(baseUrl: string, spec: OperationSpec, input: RequestInput): string {
  const path = spec.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = input.path?.[name];
    if (value === undefined) throw new TypeError(`Missing path parameter "${name}" for ${spec.method} ${spec.path}`);
    return encodeURIComponent(String(value));
  });
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(input.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

function retryAfterOf(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  return /[/+]json\b/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : text;
}

/** One HTTP exchange with the service: the URL, JSON in and out, cookies where a store keeps them. */
export function createTransport(options: TransportOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  return async function send(spec: OperationSpec, input: RequestInput, accessToken: string | null): Promise<Reply> {
    const url = urlOf(base, spec, input);
    const headers: Record<string, string> = { Accept: 'application/json' };
    // Cookie routes refuse requests an HTML form could send: the JSON content type proves a script sent it.
    const body = input.body ?? (spec.body === 'required' || spec.auth.startsWith('cookie') ? {} : undefined);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (accessToken) headers['Authorization'] = `Bearer ${accessToken}`;
    const cookie = await options.cookieStore?.get(url);
    if (cookie) headers['Cookie'] = cookie;
    const response = await options.fetch(url, {
      method: spec.method,
      headers,
      // The refresh and device cookies ride along to the auth routes of a Keyhold on another origin.
      credentials: 'include',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (options.cookieStore) await options.cookieStore.set(url, response.headers.getSetCookie());
    return { status: response.status, body: await bodyOf(response), retryAfter: retryAfterOf(response.headers) };
  };
}

export type Send = ReturnType<typeof createTransport>;

/** The body of a success, or the problem as a KeyholdError. */
export function unwrap(reply: Reply): unknown {
  if (reply.status >= 200 && reply.status < 300) return reply.body;
  const problem = typeof reply.body === 'object' && reply.body !== null ? (reply.body as Record<string, unknown>) : {};
  throw new KeyholdError(reply.status, problem, reply.retryAfter);
}
