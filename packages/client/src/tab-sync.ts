import type { Session, User } from './api-types.js';
import type { SignedOutReason } from './events.js';

/** What one tab tells the others of its origin. Epochs order the messages: each one is one step. */
export type TabMessage =
  | { epoch: number; kind: 'token'; accessToken: string; expiresIn: number; signedIn?: { user: User; session: Session } }
  | { epoch: number; kind: 'signedOut'; reason: SignedOutReason; code?: string };

export type TabMessageBody = TabMessage extends infer M ? (M extends TabMessage ? Omit<M, 'epoch'> : never) : never;

/**
 * Coordinates the tabs of one origin that talk to one Keyhold (`key`): a lock so only one refreshes at a
 * time, messages carrying the new access token (memory to memory, never storage), and a shared epoch that
 * tells a tab, once it holds the lock, whether another refreshed while it waited. The epoch is a number,
 * no secret, kept in IndexedDB because its reads and writes are ordered across tabs (a message may still
 * be on its way when the lock changes hands; the epoch says to wait for it).
 */
export interface TabSync {
  /** Runs `task` while holding the origin-wide lock (this tab only where Web Locks are missing). */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /** The last published epoch of the origin, or undefined when tabs cannot order their steps. */
  sharedEpoch(): Promise<number | undefined>;
  /** Tells the other tabs; call while holding the lock. Resolves to the message's epoch. */
  publish(body: TabMessageBody): Promise<number>;
  /** The newest message of at least `epoch` (waits for it at most `timeoutMs`; undefined if none came). */
  messageSince(epoch: number, timeoutMs: number): Promise<TabMessage | undefined>;
  subscribe(listener: (message: TabMessage) => void): void;
  close(): void;
}

/** One tab, one process (Node, or a browser without BroadcastChannel): nothing to coordinate with. */
export function createLocalSync(): TabSync {
  let epoch = 0;
  return {
    exclusive: (task) => task(),
    sharedEpoch: async () => undefined,
    publish: async () => (epoch += 1),
    messageSince: async () => undefined,
    subscribe: () => undefined,
    close: () => undefined,
  };
}

const DATABASE = 'keyhold-client';
const STORE = 'epochs';

function requestResult<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function createEpochStore(key: string) {
  let database: Promise<IDBDatabase> | undefined;
  const open = () => {
    database ??= (() => {
      const request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      return requestResult(request);
    })();
    return database;
  };
  return {
    async read(): Promise<number> {
      const store = (await open()).transaction(STORE, 'readonly').objectStore(STORE);
      const value: unknown = await requestResult(store.get(key));
      return typeof value === 'number' ? value : 0;
    },
    async write(epoch: number): Promise<void> {
      const transaction = (await open()).transaction(STORE, 'readwrite');
      transaction.objectStore(STORE).put(epoch, key);
      await new Promise<void>((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB write failed'));
      });
    },
    close: () => void database?.then((db) => db.close()),
  };
}

/** Tabs of a browser: Web Locks and IndexedDB where present, BroadcastChannel for the messages. */
export function createBrowserSync(key: string): TabSync {
  const channel = new BroadcastChannel(`keyhold:${key}`);
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  // Without the lock an epoch orders nothing: tabs then coordinate through messages only.
  const epochs = locks && typeof indexedDB !== 'undefined' ? createEpochStore(key) : undefined;
  const listeners = new Set<(message: TabMessage) => void>();
  const waiters = new Set<() => void>();
  let latest: TabMessage | undefined;
  let ownEpoch = 0;

  channel.onmessage = (event: MessageEvent<TabMessage>) => {
    const message = event.data;
    if (latest && message.epoch <= latest.epoch) return;
    latest = message;
    ownEpoch = Math.max(ownEpoch, message.epoch);
    for (const listener of listeners) listener(message);
    for (const wake of waiters) wake();
  };

  const sharedEpoch = async () => {
    if (!epochs) return undefined;
    try {
      return await epochs.read();
    } catch {
      // Storage refused (private mode, quota): fall back to what the messages said.
      return undefined;
    }
  };

  return {
    // The lock's promise settles with the task's, after the lock is released.
    exclusive: async (task) =>
      locks ? ((await locks.request(`keyhold-refresh:${key}`, task)) as Awaited<ReturnType<typeof task>>) : task(),
    sharedEpoch,
    async publish(body) {
      const epoch = Math.max(ownEpoch, (await sharedEpoch()) ?? 0) + 1;
      ownEpoch = epoch;
      // The message goes first: a tab that sees the new epoch can count on the message being on its way.
      channel.postMessage({ ...body, epoch });
      await epochs?.write(epoch).catch(() => undefined);
      return epoch;
    },
    messageSince(epoch, timeoutMs) {
      if (latest && latest.epoch >= epoch) return Promise.resolve(latest);
      return new Promise((resolve) => {
        const done = () => {
          if (!latest || latest.epoch < epoch) return;
          waiters.delete(done);
          clearTimeout(timer);
          resolve(latest);
        };
        // Liveness only: the other tab posted before it wrote the epoch, so the message is coming.
        const timer = setTimeout(() => {
          waiters.delete(done);
          resolve(undefined);
        }, timeoutMs);
        waiters.add(done);
      });
    },
    subscribe: (listener) => void listeners.add(listener),
    close() {
      channel.close();
      epochs?.close();
    },
  };
}
