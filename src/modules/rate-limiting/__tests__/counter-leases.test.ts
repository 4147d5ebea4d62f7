import { createCounterLeases, type CounterLeases } from '../counter-leases';

/** One `$inc` as the store makes it: reserve, count `hits` plus the reservation, settle. Returns the new total. */
function count(leases: CounterLeases, id: string, total: number, hits = 1): { total: number; reserved: number } {
  const reserved = leases.reserve(id, hits);
  leases.settle(id, 1, total + hits + reserved, reserved);
  return { total: total + hits + reserved, reserved };
}

describe('counter leases', () => {
  it('when a counter counts for the first time in a window, then nothing is reserved; after that reservations double up to the max', () => {
    const leases = createCounterLeases({ maxLease: 20, maxCounters: 10 });
    const sizes = [];
    for (let total = 0, round = 0; round < 7; round += 1) {
      const counted = count(leases, 'all:ip|1', total);
      total = counted.total;
      sizes.push(counted.reserved);
      while (leases.take('all:ip|1', 1) !== null);
    }
    expect(sizes).toEqual([0, 1, 2, 4, 8, 16, 20]);
  });

  it('when places were reserved, then they are handed out once each, in order, and then none', () => {
    const leases = createCounterLeases({ maxLease: 20, maxCounters: 10 });
    count(leases, 'all:ip|1', 0);
    const { total } = count(leases, 'all:ip|1', 1, 3);
    expect(total).toBe(7);
    expect([leases.take('all:ip|1', 1), leases.take('all:ip|1', 1), leases.take('all:ip|1', 1), leases.take('all:ip|1', 1)]).toEqual([
      5,
      6,
      7,
      null,
    ]);
  });

  it('when two counts of one counter overlap, then only one reserves, and the other reserves again once it has settled', () => {
    const leases = createCounterLeases({ maxLease: 20, maxCounters: 10 });
    count(leases, 'all:ip|1', 0);
    const first = leases.reserve('all:ip|1', 2);
    const second = leases.reserve('all:ip|1', 2);
    expect([first, second]).toEqual([2, 0]);
    leases.settle('all:ip|1', 1, 5, first);
    leases.settle('all:ip|1', 1, 7, second);
    expect(leases.reserve('all:ip|1', 1)).toBe(4);
  });

  it('when a reserving count fails, then the next count may reserve', () => {
    const leases = createCounterLeases({ maxLease: 20, maxCounters: 10 });
    count(leases, 'all:ip|1', 0);
    expect(leases.reserve('all:ip|1', 1)).toBe(1);
    leases.abandon('all:ip|1');
    expect(leases.reserve('all:ip|1', 1)).toBe(1);
  });

  it('when the window moves on, then earlier reservations are dropped and a late settle for the old window is ignored', () => {
    const leases = createCounterLeases({ maxLease: 20, maxCounters: 10 });
    count(leases, 'all:ip|1', 0);
    count(leases, 'all:ip|1', 1, 3);
    expect(leases.take('all:ip|2', 2)).toBeNull();
    leases.settle('all:ip|1', 1, 20, 5);
    expect(leases.take('all:ip|1', 1)).toBeNull();
    expect(leases.reserve('all:ip|1', 1)).toBe(0);
  });

  it('when maxLease is 0 (a small limit), then nothing is ever reserved', () => {
    const leases = createCounterLeases({ maxLease: 0, maxCounters: 10 });
    count(leases, 'auth:ip|1', 0);
    expect(count(leases, 'auth:ip|1', 1, 5).reserved).toBe(0);
  });

  it('when maxCounters counters are tracked, then a new counter never reserves (bounded memory, counted exactly)', () => {
    const leases = createCounterLeases({ maxLease: 20, maxCounters: 2 });
    for (const id of ['all:a|1', 'all:b|1', 'all:c|1']) count(leases, id, 0);
    expect(count(leases, 'all:c|1', 1).reserved).toBe(0);
    expect(count(leases, 'all:a|1', 1).reserved).toBe(1);
  });

  it('when a client is forgotten, then its reservations go and other clients keep theirs', () => {
    const leases = createCounterLeases({ maxLease: 20, maxCounters: 10 });
    for (const id of ['all:a|1', 'all:ab|1']) {
      count(leases, id, 0);
      count(leases, id, 1, 2);
    }
    leases.forget('all:a');
    expect(leases.take('all:a|1', 1)).toBeNull();
    expect(leases.take('all:ab|1', 1)).toBe(4);
  });
});
