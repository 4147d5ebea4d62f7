import os from 'node:os';
import bcrypt from 'bcryptjs';
import { percentile } from './load';

export interface HashLimit {
  cost: number;
  singleHashMs: number;
  cores: number;
  /** cores ÷ single-hash time: the most logins per second this machine's CPUs can check. */
  loginsPerSecond: number;
}

/** The bcrypt cost the benchmark server hashes with (production's default). */
export const BENCH_HASH_COST = 12;

/**
 * Times one bcrypt hash at the server's cost on an otherwise idle process (median of a few), which
 * gives the ceiling a login row is compared against. Measured just before each login row: over a run
 * of minutes this machine's speed drifts by a quarter, and a ceiling from the start then misjudges a
 * row measured later.
 */
export function measureHashLimit(cost = BENCH_HASH_COST, samples = 3): HashLimit {
  const durations = Array.from({ length: samples }, () => {
    const started = performance.now();
    bcrypt.hashSync('a password of ordinary length', cost);
    return performance.now() - started;
  });
  const singleHashMs = percentile(durations, 0.5);
  const cores = os.availableParallelism();
  return { cost, singleHashMs, cores, loginsPerSecond: cores / (singleHashMs / 1000) };
}

export function describeHashLimit(limit: HashLimit): string {
  return `${limit.loginsPerSecond.toFixed(2)} logins/s (${limit.cores} cores ÷ ${limit.singleHashMs.toFixed(0)} ms per bcrypt hash at cost ${limit.cost})`;
}
