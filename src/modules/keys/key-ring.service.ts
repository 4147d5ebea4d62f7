import { createHash, type KeyObject } from 'node:crypto';
import { isDuplicateKeyError } from '../../db/errors';
import { NotFoundError } from '../../errors/app-error';
import type { Clock } from '../../lib/clock';
import { logger } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import type { AuditService } from '../audit';
import { generateSigningKey, privateKeyOf, publicKeyOf, type PublicJwk, type SigningAlgorithm } from './key-material';
import { planFirstKey, planMaintenance, planRevocation, planRotation, type RingChange, type RingTimings } from './key-ring.plan';
import { RING_ID, SigningKeyRingModel, type KeyState, type RingKey, type RingRecord } from './signing-key-ring.model';

/** A stored private key no configured DATA_ENCRYPTION_KEY opens: the service must not start. */
export class KeyRingLockedError extends Error {
  constructor(kid: string) {
    super(
      `the signing key ring cannot be decrypted: key ${kid} opens with neither DATA_ENCRYPTION_KEY nor DATA_ENCRYPTION_PREVIOUS_KEY ` +
        '(restore the key it was sealed with, as DATA_ENCRYPTION_PREVIOUS_KEY while rotating)',
    );
    this.name = 'KeyRingLockedError';
  }
}

/** What an instance holds of the ring: the verifying key of every published kid, the signing key of the current one. */
interface LoadedRing {
  /** Which ring this is (see fingerprintOf). */
  fingerprint: string;
  version: number;
  keys: RingKey[];
  verifiers: Map<string, { alg: SigningAlgorithm; key: KeyObject }>;
  signer: { kid: string; alg: SigningAlgorithm; key: KeyObject };
  /** The JWKS response, built once per ring version. */
  jwks: PublishedKeys;
}

/** The JWKS as served: the JSON body and its ETag. */
export interface PublishedKeys {
  body: Buffer;
  etag: string;
}

/** A key as the admin API lists it (no key material). */
export interface KeyView {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
}

/** Who changed the ring by hand (an admin over HTTP); the scheduled rotation has no actor. */
export interface KeyActor {
  userId: string;
  sessionId?: string | null;
  ip?: string | null;
}

const MAX_WRITE_ATTEMPTS = 5;

/**
 * The version alone does not name a ring: a database that came back empty gets a new ring at version 1.
 * Version and the keys with their states together do.
 */
function fingerprintOf(record: RingRecord): string {
  return `${record.version}:${record.keys.map((key) => `${key.kid}.${key.state}`).join(',')}`;
}
/** An unknown kid reloads the ring at most this often, however many such tokens arrive. */
const UNKNOWN_KID_RELOAD_INTERVAL_MS = 1000;

export type KeyRing = ReturnType<typeof createKeyRing>;

/**
 * The access-token key ring: stored in one MongoDB document (see the model), held in memory by every
 * instance, reloaded every SIGNING_KEY_RELOAD and, at most once a second, when a token names a kid
 * this instance does not know. Every change is a compare-and-set on the ring's version.
 */
export function createKeyRing(deps: {
  algorithm: SigningAlgorithm;
  timings: RingTimings;
  box: SecretBox;
  now: Clock;
  audit: AuditService;
}) {
  const { box } = deps;
  let loaded: LoadedRing | null = null;
  let firstLoad: Promise<LoadedRing> | null = null;
  let reloading: Promise<LoadedRing> | null = null;
  let lastReloadAt = 0;
  const listeners: ((version: number) => void)[] = [];

  const makeKey = () => generateSigningKey(deps.algorithm, box);

  function toLoaded(record: RingRecord): LoadedRing {
    const verifiers = new Map<string, { alg: SigningAlgorithm; key: KeyObject }>();
    let signer: LoadedRing['signer'] | null = null;
    for (const key of record.keys) {
      let privateKey: KeyObject;
      try {
        privateKey = privateKeyOf(key.sealedPrivateKey, box);
      } catch {
        throw new KeyRingLockedError(key.kid);
      }
      verifiers.set(key.kid, { alg: key.alg, key: publicKeyOf(key.publicJwk as PublicJwk) });
      if (key.state === 'current') signer = { kid: key.kid, alg: key.alg, key: privateKey };
    }
    if (!signer) throw new Error('the signing key ring has no current key');
    const body = Buffer.from(JSON.stringify({ keys: record.keys.map((key) => key.publicJwk as PublicJwk) }));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    return { fingerprint: fingerprintOf(record), version: record.version, keys: record.keys, verifiers, signer, jwks: { body, etag } };
  }

  /**
   * Takes a ring read from the database. The same ring (same fingerprint) is kept as it is, so the
   * periodic reload decrypts nothing; any other, a newer version or a ring created afresh on a database
   * that came back empty, replaces it and empties what was derived from the old one.
   */
  function adopt(record: RingRecord): LoadedRing {
    if (loaded?.fingerprint === fingerprintOf(record)) return loaded;
    loaded = toLoaded(record);
    for (const listener of listeners) listener(loaded.version);
    return loaded;
  }

  async function readRing(): Promise<RingRecord | null> {
    return SigningKeyRingModel.findById(RING_ID).lean<RingRecord>();
  }

  function audit(events: RingChange['events'], actor?: KeyActor): void {
    for (const event of events) {
      deps.audit.record({
        type: event.type,
        actorId: actor?.userId ?? null,
        sessionId: actor?.sessionId ?? null,
        ip: actor?.ip ?? null,
        details: { kid: event.kid },
      });
    }
  }

  /** Reads the ring, creating it with one current key on the very first start (one instance wins). */
  async function readOrCreate(): Promise<RingRecord> {
    const existing = await readRing();
    if (existing) return existing;
    const first = planFirstKey(makeKey(), deps.now());
    try {
      await SigningKeyRingModel.create({ _id: RING_ID, version: 1, keys: first.keys });
      audit(first.events);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const created = await readRing();
    if (!created) throw new Error('the signing key ring vanished while it was being created');
    return created;
  }

  /** Loads the ring once; start-up awaits this, so an undecryptable ring stops the service there. */
  function ensureLoaded(): Promise<LoadedRing> {
    if (loaded) return Promise.resolve(loaded);
    firstLoad ??= readOrCreate()
      .then(adopt)
      .finally(() => {
        firstLoad = null;
      });
    return firstLoad;
  }

  /** Reloads from the database (one load at a time); a ring it cannot open keeps the one in memory. */
  function reload(): Promise<LoadedRing> {
    reloading ??= (async () => {
      lastReloadAt = Date.now();
      const record = await readOrCreate();
      try {
        return adopt(record);
      } catch (error) {
        if (!loaded) throw error;
        logger.error('signing key ring reload refused; keeping the ring in memory', { error });
        return loaded;
      }
    })().finally(() => {
      reloading = null;
    });
    return reloading;
  }

  /** The verifying key of a kid; an unknown kid reloads the ring first, at most once a second. */
  async function verifierFor(kid: string): Promise<{ alg: SigningAlgorithm; key: KeyObject } | null> {
    const ring = await ensureLoaded();
    const known = ring.verifiers.get(kid);
    if (known) return known;
    if (!reloading && Date.now() - lastReloadAt < UNKNOWN_KID_RELOAD_INTERVAL_MS) return null;
    return (await reload()).verifiers.get(kid) ?? null;
  }

  /** Applies a planned change with compare-and-set, re-planning on the ring another instance just wrote. */
  async function change(plan: (keys: readonly RingKey[]) => RingChange | null, actor?: KeyActor): Promise<RingChange | null> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const record = await readOrCreate();
      const planned = plan(record.keys);
      if (!planned) {
        adopt(record);
        return null;
      }
      const written = await SigningKeyRingModel.updateOne(
        { _id: RING_ID, version: record.version },
        { $set: { keys: planned.keys }, $inc: { version: 1 } },
      );
      if (written.modifiedCount === 1) {
        audit(planned.events, actor);
        adopt({ _id: RING_ID, version: record.version + 1, keys: planned.keys });
        return planned;
      }
    }
    throw new Error('the signing key ring kept changing under this write');
  }

  /** One key made per change, however often a write has to be re-planned. */
  function once<T>(make: () => T): () => T {
    let made: T | undefined;
    return () => (made ??= make());
  }

  function maintain(): Promise<RingChange | null> {
    const key = once(makeKey);
    return change((keys) => planMaintenance(keys, deps.now(), deps.timings, key));
  }

  async function rotate(immediate: boolean, actor?: KeyActor): Promise<KeyView> {
    const key = once(makeKey);
    await change((keys) => planRotation(keys, deps.now(), deps.timings, immediate, key), actor);
    const ring = await ensureLoaded();
    const wanted = ring.keys.find((entry) => entry.state === (immediate ? 'current' : 'next'));
    return viewOf(wanted!);
  }

  async function revoke(kid: string, actor?: KeyActor): Promise<void> {
    const key = once(makeKey);
    const changed = await change((keys) => planRevocation(keys, kid, deps.now(), key), actor);
    if (!changed) throw new NotFoundError('No such signing key.');
  }

  const viewOf = (key: RingKey): KeyView => ({
    kid: key.kid,
    alg: key.alg,
    state: key.state,
    createdAt: key.createdAt,
    activatesAt: key.activatesAt,
    retiredAt: key.retiredAt ?? null,
  });

  async function listKeys(): Promise<KeyView[]> {
    return (await reload()).keys.map(viewOf);
  }

  /** Re-seals every private key sealed under an earlier DATA_ENCRYPTION_KEY (the rekey script). */
  async function resealPrivateKeys(): Promise<number> {
    let resealed = 0;
    await change((keys) => {
      const stale = keys.filter((key) => box.needsResealing(key.sealedPrivateKey));
      resealed = stale.length;
      if (stale.length === 0) return null;
      return {
        keys: keys.map((key) =>
          box.needsResealing(key.sealedPrivateKey) ? { ...key, sealedPrivateKey: box.seal(box.open(key.sealedPrivateKey)) } : key,
        ),
        events: [],
      };
    });
    return resealed;
  }

  return {
    ensureLoaded,
    reload,
    verifierFor,
    maintain,
    rotate,
    revoke,
    listKeys,
    resealPrivateKeys,
    /** The key that signs now. */
    signer: async () => (await ensureLoaded()).signer,
    jwks: async (): Promise<PublishedKeys> => (await ensureLoaded()).jwks,
    /** The JWKS of the ring in memory, without waiting: null before the first load. */
    loadedJwks: (): PublishedKeys | null => loaded?.jwks ?? null,
    /** Keys by state, for the metric; empty before the first load. */
    countByState: (): Record<string, number> =>
      Object.fromEntries(
        (['next', 'current', 'retired'] as const).map((state) => [state, loaded?.keys.filter((key) => key.state === state).length ?? 0]),
      ),
    /** Called with the new version whenever this instance adopts a changed ring. */
    onChange: (listener: (version: number) => void) => void listeners.push(listener),
  };
}
