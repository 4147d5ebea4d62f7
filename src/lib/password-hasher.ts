import { createHmac } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { BusyError } from '../errors/app-error';
import { publishHashQueue } from './telemetry';

/*
 * bcrypt reads at most 72 bytes, so a long or multi-byte password would be silently truncated.
 * We first reduce the password to a 44-character HMAC-SHA256 digest (base64), so every character
 * counts; the fixed key keeps the digest from matching leaked plain SHA-256 lists ("shucking").
 */
const PREHASH_KEY = 'keyhold/password/v1';

function prehash(password: string): string {
  return createHmac('sha256', PREHASH_KEY).update(password.normalize('NFC'), 'utf8').digest('base64');
}

/*
 * Hashing threads run at this nice value, so under CPU contention request handling wins and a login
 * storm cannot starve it; on an idle machine a hash still gets a whole core. On Linux a thread's nice
 * value is its own (elsewhere setPriority would lower the whole process, so it is left alone there).
 */
const HASHING_NICENESS = 10;

// Runs in each worker thread; bcryptjs is pure JavaScript and would otherwise block the event loop.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.niceness !== null) {
  try {
    require('node:os').setPriority(0, workerData.niceness);
  } catch {
    // A sandbox that forbids it leaves hashing at normal priority; it still runs off the event loop.
  }
}
const bcrypt = require(workerData.bcryptPath);
parentPort.postMessage({ ready: true });
parentPort.on('message', async ({ id, op, args }) => {
  try {
    const result = op === 'hash' ? await bcrypt.hash(args[0], args[1]) : await bcrypt.compare(args[0], args[1]);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface Job {
  id: number;
  queuedAt: number;
  op: 'hash' | 'compare';
  args: [string, string | number];
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
  /** Fires when the queued job can no longer start in time to finish within the bound. */
  deadline?: NodeJS.Timeout;
  startedAt?: number;
}

interface Reply {
  ready?: true;
  id: number;
  result?: string | boolean;
  error?: string;
}

export interface PasswordHasher {
  /** Rejects with BusyError when the check cannot finish within the configured wait. */
  hash(password: string): Promise<string>;
  /** Rejects with BusyError when the check cannot finish within the configured wait. */
  verify(password: string, hash: string): Promise<boolean>;
  /** What the queue looks like now, for metrics and the benchmark. */
  stats(): { running: number; queued: number; estimatedHashMs: number };
  close(): Promise<void>;
}

export interface PasswordHasherOptions {
  cost: number;
  workers: number;
  /** Longest a hash or check may take, queueing included; beyond it callers get BusyError. */
  maxWaitMs: number;
  /**
   * How long a refusal is held before it is answered. A client that retries at once on 503 (load
   * tools, scripts, an attacker) would otherwise turn refusals into a busy loop whose CPU the hashing
   * threads, running at a lower priority, lose: the pool would hash less the more it is asked.
   */
  busyDelayMs: number;
}

// Weight of the newest duration in the running estimate of one hash: recent enough to follow load.
const ESTIMATE_WEIGHT = 0.2;

/**
 * A bcryptjs hasher backed by a pool of worker threads, so logins never stall other requests.
 * The queue is bounded by expected wait, not length: a job is admitted only when the pool can
 * finish it within maxWaitMs at the measured speed, and one that still has not started when that
 * estimate turns out wrong is refused then. A started hash is never abandoned: an idle worker always
 * takes a job, so a machine too slow for the bound slows logins rather than refusing them all.
 */
export function createPasswordHasher(options: PasswordHasherOptions): PasswordHasher {
  const pending = new Map<number, Job>();
  const queue: Job[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  let nextId = 0;
  let estimatedHashMs = 0;
  // Starting a worker thread can take seconds on a busy machine: until one is up, no job is refused.
  let readyAt: number | null = null;

  function dispatch(): void {
    while (queue.length > 0 && idle.length > 0) {
      const worker = idle.pop()!;
      const job = queue.shift()!;
      clearTimeout(job.deadline);
      job.startedAt = Date.now();
      busy.set(worker, job);
      publishHashQueue({ phase: 'started', waitSeconds: (performance.now() - job.queuedAt) / 1000 });
      worker.postMessage({ id: job.id, op: job.op, args: job.args });
    }
  }

  function onReply(worker: Worker, reply: Reply): void {
    if (reply.ready) {
      readyAt ??= Date.now();
      return;
    }
    const job = busy.get(worker);
    busy.delete(worker);
    idle.push(worker);
    // A job sent before the thread was up also timed its start-up: it would distort the estimate.
    if (job && readyAt !== null && (job.startedAt ?? 0) >= readyAt) {
      const took = Date.now() - (job.startedAt ?? Date.now());
      estimatedHashMs = estimatedHashMs === 0 ? took : estimatedHashMs + ESTIMATE_WEIGHT * (took - estimatedHashMs);
    }
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    if (waiting) {
      if (reply.error !== undefined) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.result!);
    }
    dispatch();
  }

  const workers = Array.from({ length: options.workers }, () => {
    const workerData = { bcryptPath: require.resolve('bcryptjs'), niceness: process.platform === 'linux' ? HASHING_NICENESS : null };
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
    worker.on('message', (reply: Reply) => onReply(worker, reply));
    worker.on('error', (error) => busy.get(worker)?.reject(error));
    worker.unref();
    // Messages wait in the thread's port until it is up, so it can take jobs at once.
    idle.push(worker);
    return worker;
  });

  /** Expected time until a job admitted now would start: the jobs ahead, spread over the pool. */
  function expectedStartMs(): number {
    if (idle.length > 0) return 0;
    return estimatedHashMs * (queue.length / options.workers + 0.5);
  }

  function busyError(overMs: number): BusyError {
    return new BusyError(Math.max(1, Math.ceil(overMs / 1000)), 'Password checks are saturated; try again shortly.');
  }

  function refuse(job: Job): void {
    const index = queue.indexOf(job);
    if (index === -1) return;
    queue.splice(index, 1);
    pending.delete(job.id);
    publishHashQueue({ phase: 'refused' });
    job.reject(busyError(expectedStartMs()));
  }

  function run(op: Job['op'], args: Job['args']): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      const startWithinMs = options.maxWaitMs - estimatedHashMs;
      const expectedStart = expectedStartMs();
      // An idle worker always takes the job, so a cost above the bound slows logins but never blocks them.
      if (readyAt !== null && idle.length === 0 && expectedStart > startWithinMs) {
        const refusal = busyError(expectedStart - startWithinMs);
        if (options.busyDelayMs <= 0) return reject(refusal);
        setTimeout(() => reject(refusal), options.busyDelayMs).unref();
        return;
      }
      const job: Job = { id: nextId++, queuedAt: performance.now(), op, args, resolve, reject };
      pending.set(job.id, job);
      queue.push(job);
      publishHashQueue({ phase: 'queued' });
      if (readyAt !== null && idle.length === 0) {
        job.deadline = setTimeout(() => refuse(job), Math.max(0, startWithinMs));
        job.deadline.unref();
      }
      dispatch();
    });
  }

  return {
    hash: async (password) => (await run('hash', [prehash(password), options.cost])) as string,
    verify: async (password, hash) => (await run('compare', [prehash(password), hash])) as boolean,
    stats: () => ({ running: busy.size, queued: queue.length, estimatedHashMs }),
    close: async () => {
      for (const job of queue.splice(0)) clearTimeout(job.deadline);
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
