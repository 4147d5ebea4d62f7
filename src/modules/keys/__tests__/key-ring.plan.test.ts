import { createSecretBox } from '../../../lib/secret-box';
import { generateSigningKey, type GeneratedKey } from '../key-material';
import { planFirstKey, planMaintenance, planRevocation, planRotation } from '../key-ring.plan';

const MINUTE = 60_000;
const DAY = 86_400_000;
const timings = { rotationMs: 30 * DAY, jwksMaxAgeMs: 10 * MINUTE, accessTtlMs: 5 * MINUTE };
const box = createSecretBox({ key: 'c8a6bac8d6dbcd36738c7c5f9532853d4df398f058f219c0662f692946ea6de5' });
const start = new Date('2026-12-01T00:00:00Z');
const at = (ms: number) => new Date(start.getTime() + ms);

/** A key factory that counts its calls: no plan may make a key it does not use. */
function keyFactory() {
  const made: GeneratedKey[] = [];
  return { made, make: () => (made.push(generateSigningKey('ES256', box)), made.at(-1)!) };
}

describe('the key ring plans', () => {
  const first = planFirstKey(generateSigningKey('ES256', box), start).keys;

  it('when rotation is not yet due, then maintenance changes nothing and makes no key', () => {
    const factory = keyFactory();
    expect(planMaintenance(first, at(30 * DAY - 10 * MINUTE - 1), timings, factory.make)).toBeNull();
    expect(factory.made).toHaveLength(0);
  });

  it('when rotation is due, then a next key is published to sign exactly when the current one has served its period', () => {
    const factory = keyFactory();
    const published = planMaintenance(first, at(30 * DAY - 10 * MINUTE), timings, factory.make)!;
    const next = published.keys.find((key) => key.state === 'next')!;
    expect(next.activatesAt).toEqual(at(30 * DAY));
    expect(published.events).toEqual([{ type: 'key.created', kid: next.kid }]);
    expect(factory.made).toHaveLength(1);
    expect(planMaintenance(published.keys, at(30 * DAY - 1), timings, factory.make)).toBeNull();
  });

  it('when the next key is due, then it becomes the one current key and the old one retires; retired keys go after TTL + max-age', () => {
    const published = planMaintenance(first, at(30 * DAY - 10 * MINUTE), timings, keyFactory().make)!.keys;
    const activated = planMaintenance(published, at(30 * DAY), timings, keyFactory().make)!;
    expect(activated.keys.map((key) => key.state).sort()).toEqual(['current', 'retired']);
    expect(activated.events.map((event) => event.type)).toEqual(['key.retired', 'key.activated']);
    expect(planMaintenance(activated.keys, at(30 * DAY + 15 * MINUTE - 1), timings, keyFactory().make)).toBeNull();
    const pruned = planMaintenance(activated.keys, at(30 * DAY + 15 * MINUTE), timings, keyFactory().make)!;
    expect(pruned.keys.map((key) => key.state)).toEqual(['current']);
    expect(pruned.events).toEqual([{ type: 'key.removed', kid: first[0]!.kid }]);
  });

  it('when an admin rotates while a next key is pending, then nothing changes; with immediate, the pending key signs at once', () => {
    const factory = keyFactory();
    const published = planRotation(first, start, timings, false, factory.make)!;
    expect(planRotation(published.keys, start, timings, false, factory.make)).toBeNull();
    const immediate = planRotation(published.keys, start, timings, true, factory.make)!;
    expect(factory.made).toHaveLength(1);
    expect(immediate.keys.find((key) => key.state === 'current')!.kid).toBe(factory.made[0]!.kid);
  });

  it('when a retired key is revoked, then only it leaves; when the current one is, then a new key becomes current', () => {
    const factory = keyFactory();
    const rotated = planRotation(first, start, timings, true, factory.make)!.keys;
    const retired = rotated.find((key) => key.state === 'retired')!;
    expect(planRevocation(rotated, retired.kid, start, factory.make)!.keys).toHaveLength(1);
    const current = rotated.find((key) => key.state === 'current')!;
    const revoked = planRevocation(rotated, current.kid, start, factory.make)!;
    expect(revoked.keys.map((key) => key.kid)).not.toContain(current.kid);
    expect(revoked.keys.filter((key) => key.state === 'current')).toHaveLength(1);
    expect(revoked.events.map((event) => event.type)).toEqual(['key.revoked', 'key.created', 'key.activated']);
    expect(planRevocation(rotated, 'unknown', start, factory.make)).toBeNull();
  });
});
