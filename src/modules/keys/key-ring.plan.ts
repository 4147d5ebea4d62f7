import { addMs } from '../../lib/clock';
import type { GeneratedKey } from './key-material';
import type { RingKey } from './signing-key-ring.model';

/** The timings a ring follows (configuration). */
export interface RingTimings {
  rotationMs: number;
  /** How long verifiers may cache the JWKS: a key is published at least this long before it signs. */
  jwksMaxAgeMs: number;
  accessTtlMs: number;
}

/** A change of the ring: the keys after it, and what happened, for the audit trail. */
export interface RingChange {
  keys: RingKey[];
  events: { type: 'key.created' | 'key.activated' | 'key.retired' | 'key.revoked' | 'key.removed'; kid: string }[];
}

export function ringKeyOf(key: GeneratedKey, state: RingKey['state'], now: Date, activatesAt: Date): RingKey {
  return {
    kid: key.kid,
    alg: key.alg,
    state,
    publicJwk: key.publicJwk,
    sealedPrivateKey: key.sealedPrivateKey,
    createdAt: now,
    activatesAt,
    retiredAt: null,
  };
}

const retire = (key: RingKey, now: Date): RingKey => ({ ...key, state: 'retired', retiredAt: now });

/** The ring a first start creates: one current key. */
export function planFirstKey(key: GeneratedKey, now: Date): RingChange {
  return {
    keys: [ringKeyOf(key, 'current', now, now)],
    events: [
      { type: 'key.created', kid: key.kid },
      { type: 'key.activated', kid: key.kid },
    ],
  };
}

/**
 * The scheduled work, or null when nothing is due: remove retired keys no token can still need
 * (JWT_ACCESS_TTL + JWKS_MAX_AGE after retiring), activate a published key whose time has come, or
 * publish the next key JWKS_MAX_AGE before the current one has served SIGNING_KEY_ROTATION.
 * `makeKey` is called only when a key is really needed.
 */
export function planMaintenance(keys: readonly RingKey[], now: Date, timings: RingTimings, makeKey: () => GeneratedKey): RingChange | null {
  const events: RingChange['events'] = [];
  const keepFor = timings.accessTtlMs + timings.jwksMaxAgeMs;
  let next = keys.filter((key) => {
    const expired = key.state === 'retired' && !!key.retiredAt && addMs(key.retiredAt, keepFor) <= now;
    if (expired) events.push({ type: 'key.removed', kid: key.kid });
    return !expired;
  });
  const pending = next.find((key) => key.state === 'next');
  const current = next.find((key) => key.state === 'current');
  if (pending && pending.activatesAt <= now) {
    next = next.map((key) => {
      if (key.kid === pending.kid) return { ...key, state: 'current', activatesAt: now };
      return key.state === 'current' ? retire(key, now) : key;
    });
    if (current) events.push({ type: 'key.retired', kid: current.kid });
    events.push({ type: 'key.activated', kid: pending.kid });
  } else if (!pending && current && addMs(current.activatesAt, timings.rotationMs - timings.jwksMaxAgeMs) <= now) {
    const activatesAt = new Date(
      Math.max(addMs(now, timings.jwksMaxAgeMs).getTime(), addMs(current.activatesAt, timings.rotationMs).getTime()),
    );
    const made = makeKey();
    next = [...next, ringKeyOf(made, 'next', now, activatesAt)];
    events.push({ type: 'key.created', kid: made.kid });
  }
  return events.length > 0 ? { keys: next, events } : null;
}

/**
 * An administrator's rotation. Without `immediate`: publish a next key to activate after JWKS_MAX_AGE
 * (an existing next key is kept: null). With it: the next key, or a new one, signs at once and the
 * current one retires.
 */
export function planRotation(
  keys: readonly RingKey[],
  now: Date,
  timings: RingTimings,
  immediate: boolean,
  makeKey: () => GeneratedKey,
): RingChange | null {
  const pending = keys.find((key) => key.state === 'next');
  if (!immediate) {
    if (pending) return null;
    const made = makeKey();
    return {
      keys: [...keys, ringKeyOf(made, 'next', now, addMs(now, timings.jwksMaxAgeMs))],
      events: [{ type: 'key.created', kid: made.kid }],
    };
  }
  return activateNow(keys, now, makeKey);
}

/**
 * Revokes a compromised key: it leaves the ring (and the JWKS) at once. Revoking the current key first
 * makes the next key, or a new one, current. Null when the ring holds no such key.
 */
export function planRevocation(keys: readonly RingKey[], kid: string, now: Date, makeKey: () => GeneratedKey): RingChange | null {
  const target = keys.find((key) => key.kid === kid);
  if (!target) return null;
  const rest = keys.filter((key) => key.kid !== kid);
  const events: RingChange['events'] = [{ type: 'key.revoked', kid }];
  if (target.state !== 'current') return { keys: rest, events };
  const activated = activateNow(rest, now, makeKey);
  return { keys: activated.keys, events: [...events, ...activated.events] };
}

/**
 * Makes the next key, or a new one when there is none, current at once; a current key among `keys`
 * retires. Used when waiting for JWKS_MAX_AGE is not an option (a compromise, an operator's --now).
 */
function activateNow(keys: readonly RingKey[], now: Date, makeKey: () => GeneratedKey): RingChange {
  const pending = keys.find((key) => key.state === 'next');
  const successor = pending ?? ringKeyOf(makeKey(), 'next', now, now);
  const events: RingChange['events'] = pending ? [] : [{ type: 'key.created', kid: successor.kid }];
  const others = keys.filter((key) => key.kid !== successor.kid).map((key) => (key.state === 'current' ? retire(key, now) : key));
  for (const key of keys) if (key.state === 'current') events.push({ type: 'key.retired', kid: key.kid });
  events.push({ type: 'key.activated', kid: successor.kid });
  return { keys: [...others, { ...successor, state: 'current', activatesAt: now }], events };
}
