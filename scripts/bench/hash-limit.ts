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

/**
 * Times one bcrypt hash at the server's cost on an otherwise idle process (median of a few), which
 * gives the ceiling the login rows are compared against.
 */
export function measureHashLimit(cost: number, samples = 3): HashLimit {
  const durations = Array.from({ length: samples }, () => {
    const started = performance.now();
    bcrypt.hashSync('a password of ordinary length', cost);
    return performance.now() - started;
  });
  const singleHashMs = percentile(durations, 0.5);
  const cores = os.availableParallelism();
  return { cost, singleHashMs, cores, loginsPerSecond: cores / (singleHashMs / 1000) };
}
