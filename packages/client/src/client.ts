import type { KeyholdApi, OperationId, OperationResult, Session, User } from './api-types.js';
import type { CookieStore } from './cookie-store.js';
import { KeyholdError, REFRESHABLE_CODES } from './errors.js';
import { EventHub, type KeyholdEventName, type Listener } from './events.js';
import { operationTable } from './generated/operations.js';
import { createAccountHelpers, type AccountHelpers } from './account-helpers.js';
import { createOAuthHelpers, type OAuthHelpers } from './oauth.js';
import { createPasskeyHelpers, passkeyAssertion, type PasskeyHelpers } from './passkeys.js';
import { SessionKeeper } from './session-keeper.js';
import { createBrowserSync, createLocalSync } from './tab-sync.js';
import { createTransport, unwrap, type RequestInput } from './transport.js';

export interface KeyholdClientOptions {
  /** The service's origin, e.g. `https://auth.example.com` (the client adds `/api/v1`). */
  baseUrl: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Outside browsers: where the refresh and device cookies are kept (`createMemoryCookieStore()`). */
  cookieStore?: CookieStore;
  /**
   * `tabs` (default in browsers): refresh once for all tabs of the origin (Web Locks, BroadcastChannel);
   * `local`: this client alone (default in Node, with a cookieStore, or without BroadcastChannel).
   */
  coordination?: 'tabs' | 'local';
}

export type SignedIn = { status: 'signedIn'; user: User; session: Session };
export type MfaRequired = { status: 'mfaRequired'; expiresIn: number; verify(code: string): Promise<SignedIn> };
export type LoginResult = SignedIn | MfaRequired;
/** `returnTo`: the path the sign-in was started with; with `mfaRequired` too, for after the second factor. */
export type OAuthCompletion = (SignedIn | MfaRequired) & { returnTo: string };
export type RestoreResult = SignedIn | { status: 'signedOut' };

export interface KeyholdClient extends AccountHelpers {
  /** One typed method per operation of the OpenAPI document, by operationId. */
  api: KeyholdApi;
  login(credentials: { email: string; password: string }): Promise<LoginResult>;
  /**
   * The browser offers the account's passkeys and the one chosen signs in, like `login()` (a passkey is
   * a second factor by itself). `conditional`: in the autofill of the field with
   * `autocomplete="username webauthn"` instead of a dialog; it waits until the person picks one.
   */
  signInWithPasskey(options?: { conditional?: boolean }): Promise<SignedIn>;
  passkeys: PasskeyHelpers;
  oauth: OAuthHelpers & {
    /** Exchanges the one-time `code` of `/oauth-complete?code=`; like `login()`, MFA may be asked for. */
    complete(code: string): Promise<OAuthCompletion>;
  };
  /** Signs this client (and the other tabs) out and ends the session on the server; never throws for a session already gone. */
  logout(): Promise<void>;
  /** Ends every session of the account, then signs out here. */
  logoutAll(): Promise<void>;
  /** On start: turns the refresh cookie, if any, into a signed-in client. */
  restore(): Promise<RestoreResult>;
  me(): Promise<{ user: User; session: Session }>;
  on<E extends KeyholdEventName>(event: E, listener: Listener<E>): () => void;
  readonly signedIn: boolean;
  /** Stops listening to the other tabs. */
  close(): void;
}

type LoginBody = OperationResult<'login'>;

export function createKeyholdClient(options: KeyholdClientOptions): KeyholdClient {
  const events = new EventHub();
  const send = createTransport({
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    cookieStore: options.cookieStore,
  });
  // Node has BroadcastChannel too (between worker threads, and it keeps the process alive): tabs are a browser's.
  const inBrowser = typeof document !== 'undefined' && !options.cookieStore;
  const coordinateTabs = (options.coordination ?? (inBrowser ? 'tabs' : 'local')) === 'tabs' && typeof BroadcastChannel !== 'undefined';
  const sync = coordinateTabs ? createBrowserSync(new URL(options.baseUrl).origin) : createLocalSync();
  const keeper = new SessionKeeper(send, sync, events);

  /** One call: the token if the operation takes one, and after a 401 that a refresh can cure, one refresh and one retry. */
  async function call(id: OperationId, input: RequestInput = {}): Promise<unknown> {
    const spec = operationTable[id];
    if (spec.auth === 'none' || spec.auth === 'cookie') return unwrap(await send(spec, input, null));
    let token = spec.auth === 'bearer' ? await keeper.tokenForRequest() : keeper.accessToken;
    let reply = await send(spec, input, token);
    const code = (reply.body as { code?: unknown } | undefined)?.code;
    if (spec.auth === 'bearer' && reply.status === 401 && typeof code === 'string' && REFRESHABLE_CODES.has(code)) {
      token = await keeper.refreshAfter(token);
      if (token !== null) reply = await send(spec, input, token);
    } else if (reply.status === 401 && code === 'SESSION_REVOKED' && token === keeper.accessToken) {
      await keeper.signOut('sessionRevoked', code);
    }
    return unwrap(reply);
  }

  const api = new Proxy({} as KeyholdApi, {
    get: (_target, id) =>
      typeof id === 'string' && id in operationTable ? (input?: RequestInput) => call(id as OperationId, input) : undefined,
  });

  async function signedIn({ data }: LoginBody): Promise<SignedIn> {
    await keeper.signIn(data);
    return { status: 'signedIn', user: data.user, session: data.session };
  }

  /** The second step of a sign-in answered 403 `MFA_REQUIRED` (with its token); any other failure is rethrown. */
  function mfaStepOf(error: unknown): MfaRequired {
    const mfaToken = error instanceof KeyholdError && error.code === 'MFA_REQUIRED' ? error.problem['mfaToken'] : undefined;
    if (typeof mfaToken !== 'string') throw error;
    return {
      status: 'mfaRequired',
      expiresIn: Number((error as KeyholdError).problem['expiresIn']),
      verify: async (code) => signedIn(await api.verifyMfaLogin({ body: { mfaToken, code } })),
    };
  }

  async function me(): Promise<{ user: User; session: Session }> {
    return (await api.getMe()).data;
  }

  return {
    api,
    ...createAccountHelpers(api),
    async login(credentials) {
      try {
        return await signedIn(await api.login({ body: credentials }));
      } catch (error) {
        return mfaStepOf(error);
      }
    },
    signInWithPasskey: async ({ conditional = false } = {}) => signedIn(await passkeyAssertion(api, conditional)),
    passkeys: createPasskeyHelpers(api),
    oauth: {
      ...createOAuthHelpers(api, options.baseUrl),
      async complete(code) {
        try {
          const body = await api.exchangeOAuthCode({ body: { code } });
          return { ...(await signedIn(body)), returnTo: body.data.returnTo };
        } catch (error) {
          const step = mfaStepOf(error);
          const returnTo = (error as KeyholdError).problem['returnTo'];
          // A service from before returnTo came with MFA_REQUIRED: its default path.
          return { ...step, returnTo: typeof returnTo === 'string' ? returnTo : '/' };
        }
      },
    },
    async logout() {
      try {
        await api.logout({ body: {} });
      } finally {
        await keeper.signOut('logout');
      }
    },
    async logoutAll() {
      await api.logoutAll();
      await keeper.signOut('logout');
    },
    async restore() {
      const wasUnknown = keeper.state === 'unknown';
      if ((await keeper.tokenForRequest()) === null) return { status: 'signedOut' };
      const current = await me();
      if (wasUnknown) events.emit('signedIn', { ...current, fromOtherTab: false });
      return { status: 'signedIn', ...current };
    },
    me,
    on: (event, listener) => events.on(event, listener),
    get signedIn() {
      return keeper.accessToken !== null;
    },
    close: () => sync.close(),
  };
}
