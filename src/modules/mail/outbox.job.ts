import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { logger } from '../../lib/logger';
import type { MailContent } from './mail-templates';
import type { MailTransport } from './mail-transport';
import type { OutboxKind, OutboxMessageRecord } from './outbox-message.model';
import type { AuditService } from '../audit';
import type { MailOutboxService, ResolvedMail } from './mail-outbox.service';

/** Turns a public request into its mail, or null when it leads to none. */
export type RequestResolver = (message: OutboxMessageRecord) => Promise<ResolvedMail | null>;

export interface OutboxJobOptions {
  outbox: MailOutboxService;
  transport: MailTransport;
  resolvers: Record<Exclude<OutboxKind, 'mail'>, RequestResolver>;
  audit: AuditService;
  pollIntervalMs: number;
  pruneIntervalMs: number;
  /** Runs beside the outbox pruning (expired tokens and resend gates). */
  pruneAlso?: () => Promise<unknown>;
}

export type OutboxJob = ReturnType<typeof createOutboxJob>;

/**
 * The outbox sender: claims one due message at a time under a lease, sends it and records the
 * outcome. `stop` lets an in-flight send finish within the grace it is given, then aborts it and
 * hands the message back, so nothing stays leased to a process that is gone.
 */
export function createOutboxJob(options: OutboxJobOptions) {
  const { outbox, transport } = options;
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  let pollTimer: NodeJS.Timeout | null = null;
  let pruneTimer: NodeJS.Timeout | null = null;
  let draining: Promise<void> | null = null;
  let stopping = false;
  let stopped: Promise<void> | null = null;
  const abort = new AbortController();

  async function contentOf(message: OutboxMessageRecord): Promise<MailContent | null> {
    if (message.kind === 'mail') return outbox.openContent(message);
    const resolved = await options.resolvers[message.kind](message);
    if (!resolved) {
      await outbox.discard(message, workerId);
      return null;
    }
    return (await outbox.storeContent(message, workerId, resolved)) ? resolved.content : null;
  }

  async function deliver(message: OutboxMessageRecord): Promise<void> {
    try {
      const mail = await contentOf(message);
      if (!mail) return;
      await transport.send({ to: message.to, ...mail, messageId: message.messageId }, abort.signal);
      await outbox.markSent(message, workerId);
    } catch (error) {
      if (abort.signal.aborted) {
        await outbox.releaseLease(message, workerId);
        return;
      }
      const result = await outbox.recordFailure(message, workerId, error);
      const meta = { messageId: message.messageId, template: message.template, attempts: message.attempts, error };
      if (result.outcome === 'retry') {
        logger.warn('mail not delivered; will retry', { ...meta, nextAttemptAt: result.nextAttemptAt });
        return;
      }
      logger.error('mail given up after the last attempt', meta);
      options.audit.record({
        type: 'mail.failed',
        details: { messageId: message.messageId, template: message.template, attempts: message.attempts },
      });
    }
  }

  async function drain(): Promise<void> {
    while (!stopping) {
      const message = await outbox.claimNext(workerId);
      if (!message) return;
      await deliver(message);
    }
  }

  /** Sends whatever is due now; resolves when nothing is left (also used by tests). */
  function runOnce(): Promise<void> {
    if (draining) return draining;
    const run = drain()
      .catch((error: unknown) => void logger.warn('outbox run failed', { error }))
      .finally(() => {
        draining = null;
      });
    draining = run;
    return run;
  }

  async function prune(): Promise<void> {
    try {
      const [sent] = await Promise.all([outbox.pruneSent(), options.pruneAlso?.()]);
      logger.debug('outbox pruned', { sent });
    } catch (error) {
      logger.warn('outbox pruning failed', { error });
    }
  }

  function start(): void {
    pollTimer = setInterval(() => void runOnce(), options.pollIntervalMs).unref();
    pruneTimer = setInterval(() => void prune(), options.pruneIntervalMs).unref();
    void runOnce();
  }

  async function halt(graceMs: number): Promise<void> {
    stopping = true;
    if (pollTimer) clearInterval(pollTimer);
    if (pruneTimer) clearInterval(pruneTimer);
    const deadline = setTimeout(() => abort.abort(), graceMs);
    try {
      await draining;
    } finally {
      clearTimeout(deadline);
      transport.close();
    }
  }

  /** Stops claiming; waits up to `graceMs` for the message being sent, then aborts and releases it. Idempotent. */
  function stop(graceMs: number): Promise<void> {
    stopped ??= halt(graceMs);
    return stopped;
  }

  return { workerId, start, stop, runOnce, prune };
}
