import type { Session, User } from './api-types.js';

export type SignedOutReason = 'logout' | 'refreshFailed' | 'sessionRevoked' | 'otherTab';

export interface KeyholdEvents {
  /** After login, MFA verification or restore(), in this tab or (with `fromOtherTab`) another tab of the origin. */
  signedIn: { user: User; session: Session; fromOtherTab: boolean };
  /** Once per sign-out: logout, a refresh answered 401, a revoked session, or another tab signed out. */
  signedOut: { reason: SignedOutReason; code?: string };
  /** A new access token arrived, from this tab's refresh or another tab's. */
  tokenRefreshed: { expiresIn: number; fromOtherTab: boolean };
}

export type KeyholdEventName = keyof KeyholdEvents;
export type Listener<E extends KeyholdEventName> = (payload: KeyholdEvents[E]) => void;

/**
 * Calls listeners, but never while a refresh is in progress: events raised then wait until it has ended
 * (and its lock is released), so a listener may call the client without deadlocking on the lock.
 */
export class EventHub {
  readonly #listeners = new Map<KeyholdEventName, Set<Listener<never>>>();
  #held = 0;
  #queued: (() => void)[] = [];

  on<E extends KeyholdEventName>(event: E, listener: Listener<E>): () => void {
    const listeners = this.#listeners.get(event) ?? new Set();
    this.#listeners.set(event, listeners);
    listeners.add(listener as Listener<never>);
    return () => void listeners.delete(listener as Listener<never>);
  }

  emit<E extends KeyholdEventName>(event: E, payload: KeyholdEvents[E]): void {
    const deliver = () => {
      for (const listener of [...(this.#listeners.get(event) ?? [])]) {
        try {
          (listener as Listener<E>)(payload);
        } catch (error) {
          // A failing listener must not break the client nor keep the others from hearing the event.
          setTimeout(() => {
            throw error;
          });
        }
      }
    };
    if (this.#held > 0) this.#queued.push(deliver);
    else deliver();
  }

  /** Runs `task` with events held back; they are delivered, in order, once it has settled. */
  async holding<T>(task: () => Promise<T>): Promise<T> {
    this.#held += 1;
    try {
      return await task();
    } finally {
      this.#held -= 1;
      if (this.#held === 0) {
        const queued = this.#queued;
        this.#queued = [];
        for (const deliver of queued) deliver();
      }
    }
  }
}
