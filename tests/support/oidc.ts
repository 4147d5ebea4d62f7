import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { OAuth2Server } from 'oauth2-mock-server';
import { createTestContext, type TestContext } from './context';
import { useTestDatabase } from './database';

export const TEST_CLIENT_ID = 'keyhold-test-client';
const TEST_CLIENT_SECRET = 'keyhold-test-client-secret';
export const OIDC_TEST_APP_URL = 'http://app.example.test';

/** The claims and header of a token the provider is about to sign (oauth2-mock-server's MutableToken). */
export interface UnsignedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** A real OpenID provider process on loopback (oauth2-mock-server), with one RS256 key. */
export async function startTestProvider(): Promise<OAuth2Server> {
  const provider = new OAuth2Server();
  await provider.issuer.keys.generate('RS256');
  await provider.start(0, '127.0.0.1');
  return provider;
}

/**
 * Changes the next ID token the provider signs (the access token is signed too, without an audience,
 * and left alone). By default the provider's subject is `johndoe`: tests set their own.
 */
export function onNextIdToken(provider: OAuth2Server, change: (token: UnsignedToken) => void): void {
  const listener = (token: UnsignedToken) => {
    if (token.payload.aud === undefined) return;
    provider.service.off('beforeTokenSigning', listener);
    change(token);
  };
  provider.service.on('beforeTokenSigning', listener);
}

/** The next ID token carries these claims (sub, email, email_verified, name...). */
export function nextIdentity(provider: OAuth2Server, claims: Record<string, unknown>): void {
  onNextIdToken(provider, (token) => Object.assign(token.payload, claims));
}

/** The configuration of one provider named `id` pointing at a test provider (or any issuer URL). */
export function providerEnv(id: string, issuer: string, extra: Record<string, string> = {}): Record<string, string> {
  const prefix = `OIDC_${id.toUpperCase()}_`;
  return {
    [`${prefix}ISSUER`]: issuer,
    [`${prefix}CLIENT_ID`]: TEST_CLIENT_ID,
    [`${prefix}CLIENT_SECRET`]: TEST_CLIENT_SECRET,
    ...Object.fromEntries(Object.entries(extra).map(([key, value]) => [`${prefix}${key}`, value])),
  };
}

export interface OidcTestContext extends TestContext {
  /** The listening Keyhold: PUBLIC_URL, so the provider redirects back to it. */
  url: string;
}

/**
 * A Keyhold listening on loopback with PUBLIC_URL set to its own address (the redirect URI the provider
 * sends browsers back to), built after `env()` can name the providers (their ports are known only then).
 */
export function useOidcTestApp(env: () => Record<string, string>): OidcTestContext {
  useTestDatabase();
  const ctx = {} as OidcTestContext;
  let app: Express | undefined;
  const server = http.createServer((req, res) => (app ? app(req, res) : res.writeHead(503).end()));
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ctx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(ctx, createTestContext({ PUBLIC_URL: ctx.url, APP_URL: OIDC_TEST_APP_URL, ...env() }));
    app = ctx.app;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await ctx.container?.close();
  });
  return ctx;
}

/** A browser as far as these flows need one: follows nothing by itself and keeps the cookies Keyhold sets. */
export class TestBrowser {
  private readonly cookies = new Map<string, string>();

  constructor(readonly userAgent = 'oidc-test-browser') {}

  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** A request to Keyhold carrying this browser's cookies; the cookies of the answer are kept. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader);
    headers.set('user-agent', this.userAgent);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    return response;
  }
}

/** Where a redirect points. */
export function locationOf(response: Response): URL {
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) throw new Error(`expected a redirect, got ${response.status}`);
  return new URL(location);
}

/** The browser at the provider: it signs the user in at once and redirects back with code and state. */
export async function visitProvider(authorizeUrl: URL): Promise<URL> {
  return locationOf(await fetch(authorizeUrl, { redirect: 'manual' }));
}

/** Start -> provider -> callback, as a browser does; the callback's redirect to the frontend. */
export async function signInAtProvider(
  ctx: Pick<OidcTestContext, 'url'>,
  browser: TestBrowser,
  provider: string,
  returnTo?: string,
): Promise<{ completion: URL; callbackUrl: URL }> {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  const start = await browser.fetch(`${ctx.url}/api/v1/auth/oauth/${provider}/start${query}`);
  const callbackUrl = await visitProvider(locationOf(start));
  const completion = locationOf(await browser.fetch(callbackUrl.href));
  return { completion, callbackUrl };
}

/** POST /auth/oauth/exchange from this browser. */
export function exchangeCode(ctx: Pick<OidcTestContext, 'url'>, browser: TestBrowser, code: string): Promise<Response> {
  return browser.fetch(`${ctx.url}/api/v1/auth/oauth/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
}
