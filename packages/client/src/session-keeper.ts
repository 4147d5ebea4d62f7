import type { Session, User } from './api-types.js';
import type { EventHub, SignedOutReason } from './events.js';
import { operationTable } from './generated/operations.js';
import type { TabMessage, TabSync } from './tab-sync.js';
import { unwrap, type Send } from './transport.js';

/** How long a tab that saw another's refresh waits for its message before refreshing itself (liveness only). */
const MESSAGE_WAIT_MS = 5000;

export interface SignedInData {
  accessToken: string;
  expiresIn: number;
  user: User;
  session: Session;
}

interface RefreshBody {
  data: { accessToken: string; expiresIn: number };
}

/**
 * Holds the access token (in memory only) and refreshes it: one refresh at a time in this tab (one shared
 * promise) and across the tabs of the origin (the TabSync lock); a tab that waited takes the other's result.
 * Events raised meanwhile reach listeners only after the refresh has ended and the lock is released.
 */
export class SessionKeeper {
  #token: string | null = null;
  /** The step of the origin's token history this tab's token belongs to (see TabSync). */
  #epoch = 0;
  #state: 'unknown' | 'signedIn' | 'signedOut' = 'unknown';
  #refreshing: Promise<void> | null = null;
  readonly #send: Send;
  readonly #sync: TabSync;
  readonly #events: EventHub;

  constructor(send: Send, sync: TabSync, events: EventHub) {
    this.#send = send;
    this.#sync = sync;
    this.#events = events;
    sync.subscribe((message) => this.#apply(message));
  }

  get accessToken(): string | null {
    return this.#token;
  }

  get state(): 'unknown' | 'signedIn' | 'signedOut' {
    return this.#state;
  }

  /** The token for a request that needs one; a tab that starts without one refreshes once to find out. */
  async tokenForRequest(): Promise<string | null> {
    if (this.#token !== null || this.#state === 'signedOut') return this.#token;
    return this.refreshAfter(null);
  }

  /**
   * After `failedToken` was refused: whatever replaced it meanwhile (a newer token, or null after a sign-out),
   * else the outcome of the one refresh every caller of this tab (and every waiting tab) shares.
   */
  async refreshAfter(failedToken: string | null): Promise<string | null> {
    // Something happened since that call went out (a newer token, or a sign-out): no refresh for a stale 401.
    if (this.#token !== failedToken) return this.#token;
    this.#refreshing ??= this.#events
      .holding(() => this.#coordinatedRefresh())
      .finally(() => {
        this.#refreshing = null;
      });
    await this.#refreshing;
    return this.#token;
  }

  async signIn(data: SignedInData): Promise<void> {
    await this.#events.holding(() =>
      this.#sync.exclusive(async () => {
        this.#token = data.accessToken;
        this.#state = 'signedIn';
        const signedIn = { user: data.user, session: data.session };
        this.#epoch = await this.#sync.publish({ kind: 'token', accessToken: data.accessToken, expiresIn: data.expiresIn, signedIn });
        this.#events.emit('signedIn', { ...signedIn, fromOtherTab: false });
      }),
    );
  }

  /** Forgets the token here and in the other tabs (they share the session, and so its end). */
  async signOut(reason: SignedOutReason, code?: string): Promise<void> {
    await this.#events.holding(() => this.#sync.exclusive(() => this.#signOutHere(reason, code)));
  }

  async #coordinatedRefresh(): Promise<void> {
    const staleEpoch = this.#token !== null ? this.#epoch : ((await this.#sync.sharedEpoch()) ?? this.#epoch);
    await this.#sync.exclusive(async () => {
      if (this.#epoch > staleEpoch) return; // another tab's result arrived while this one waited
      const shared = await this.#sync.sharedEpoch();
      // Another tab refreshed while this one waited and its message is still on the way: wait for it.
      if (shared !== undefined && shared > staleEpoch && (await this.#sync.messageSince(shared, MESSAGE_WAIT_MS))) return;
      await this.#refreshNow();
    });
  }

  async #refreshNow(): Promise<void> {
    const reply = await this.#send(operationTable.refresh, {}, null);
    if (reply.status === 401) {
      const code = (reply.body as { code?: unknown } | undefined)?.code;
      return this.#signOutHere('refreshFailed', typeof code === 'string' ? code : undefined);
    }
    const { data } = unwrap(reply) as RefreshBody;
    this.#token = data.accessToken;
    this.#state = 'signedIn';
    this.#epoch = await this.#sync.publish({ kind: 'token', accessToken: data.accessToken, expiresIn: data.expiresIn });
    this.#events.emit('tokenRefreshed', { expiresIn: data.expiresIn, fromOtherTab: false });
  }

  async #signOutHere(reason: SignedOutReason, code: string | undefined): Promise<void> {
    const wasSignedIn = this.#token !== null;
    const wasSignedOut = this.#state === 'signedOut';
    this.#token = null;
    this.#state = 'signedOut';
    // A tab that never had a token tells no one: another tab may have signed in meanwhile.
    if (wasSignedIn) this.#epoch = await this.#sync.publish({ kind: 'signedOut', reason, ...(code ? { code } : {}) });
    if (!wasSignedOut) this.#events.emit('signedOut', { reason, ...(code ? { code } : {}) });
  }

  #apply(message: TabMessage): void {
    if (message.epoch <= this.#epoch) return;
    this.#epoch = message.epoch;
    if (message.kind === 'token') {
      this.#token = message.accessToken;
      this.#state = 'signedIn';
      if (message.signedIn) this.#events.emit('signedIn', { ...message.signedIn, fromOtherTab: true });
      else this.#events.emit('tokenRefreshed', { expiresIn: message.expiresIn, fromOtherTab: true });
    } else if (this.#state !== 'signedOut') {
      this.#token = null;
      this.#state = 'signedOut';
      this.#events.emit('signedOut', { reason: 'otherTab', ...(message.code ? { code: message.code } : {}) });
    }
  }
}
