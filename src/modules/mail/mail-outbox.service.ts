import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../../db/errors';
import { addMs, type Clock } from '../../lib/clock';
import type { MailContent, MailTemplate } from './mail-templates';
import type { SecretBox } from '../../lib/secret-box';
import { OutboxMessageModel, type OutboxKind, type OutboxMessageRecord } from './outbox-message.model';

export interface OutboxSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  leaseMs: number;
  sentRetentionMs: number;
}

/** What a failed attempt led to: another try later, or giving up for good. */
export type FailureOutcome = { outcome: 'retry'; nextAttemptAt: Date } | { outcome: 'failed' };

const MAX_ERROR_LENGTH = 500;

/** The outbox id of the one mail with this key: the first 12 bytes of its SHA-256, the same on every instance. */
function onceIdOf(key: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(`outbox-once:${key}`).digest().subarray(0, 12));
}
const NO_BODY = { subject: null, text: null, html: null };

/** A public request resolved by the worker: the account it concerns and the mail to send. */
export interface ResolvedMail {
  userId: string;
  content: MailContent;
}

export type MailOutboxService = ReturnType<typeof createMailOutboxService>;

/**
 * The durable outbox: requests only insert here; workers claim a message with an atomic lease, send
 * it and mark the outcome. Every write after the claim is conditional on still holding the lease.
 */
export function createMailOutboxService(deps: { now: Clock; settings: OutboxSettings; messageIdDomain: string; box: SecretBox }) {
  const { settings, box } = deps;

  /** A body waits sealed (AES-256-GCM under DATA_ENCRYPTION_KEY): its links carry live tokens. */
  function seal(content: MailContent): MailContent {
    return { subject: box.seal(content.subject), text: box.seal(content.text), html: box.seal(content.html) };
  }

  async function insert(
    kind: OutboxKind,
    template: MailTemplate,
    to: string,
    content: MailContent | null,
    about: { userId?: string | null; requestIp?: string | null },
    _id = new Types.ObjectId(),
  ): Promise<void> {
    await OutboxMessageModel.create({
      _id,
      kind,
      template,
      to,
      messageId: `<${_id.toString()}@${deps.messageIdDomain}>`,
      userId: about.userId ?? null,
      requestIp: about.requestIp ?? null,
      ...(content ? seal(content) : NO_BODY),
      nextAttemptAt: deps.now(),
    });
  }

  /** Queues a composed mail about an account (whose deletion removes it). */
  async function enqueueMail(template: MailTemplate, to: string, content: MailContent, userId: string): Promise<void> {
    await insert('mail', template, to, content, { userId });
  }

  /**
   * Queues a mail that must go out once only, whoever asks and however often: its `_id` derives from
   * `key` (say `<template>:<user>:<week>`), so of any number of instances, retries and runs after a
   * crash exactly one insert succeeds and the others hit the duplicate key. True when this call
   * queued it, false when it was already queued (or sent and not yet pruned after MAIL_SENT_RETENTION).
   */
  async function enqueueMailOnce(key: string, template: MailTemplate, to: string, content: MailContent, userId: string): Promise<boolean> {
    try {
      await insert('mail', template, to, content, { userId }, onceIdOf(key));
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** Queues a public request about an address; a worker finds out whether it leads to a mail. */
  async function enqueueRequest(
    kind: Exclude<OutboxKind, 'mail'>,
    template: MailTemplate,
    to: string,
    requestIp: string | null,
  ): Promise<void> {
    await insert(kind, template, to, null, { requestIp });
  }

  /** Leases the message due longest (or one whose lease ran out: its worker died) to this worker. */
  async function claimNext(workerId: string): Promise<OutboxMessageRecord | null> {
    const now = deps.now();
    return OutboxMessageModel.findOneAndUpdate(
      {
        $or: [
          { status: 'pending', nextAttemptAt: { $lte: now } },
          { status: 'sending', leaseExpiresAt: { $lte: now } },
        ],
      },
      { $set: { status: 'sending', leaseOwner: workerId, leaseExpiresAt: addMs(now, settings.leaseMs) }, $inc: { attempts: 1 } },
      { sort: { nextAttemptAt: 1 }, new: true },
    ).lean<OutboxMessageRecord>();
  }

  const leased = (message: OutboxMessageRecord, workerId: string) => ({ _id: message._id, status: 'sending', leaseOwner: workerId });

  /** Turns a resolved request into a mail ready to send; false when the lease was lost meanwhile. */
  async function storeContent(message: OutboxMessageRecord, workerId: string, resolved: ResolvedMail): Promise<boolean> {
    const result = await OutboxMessageModel.updateOne(leased(message, workerId), {
      $set: { kind: 'mail', userId: resolved.userId, ...seal(resolved.content) },
    });
    return result.modifiedCount === 1;
  }

  /** The plain body of a composed mail; throws when it was tampered with or its key is gone. */
  function openContent(message: OutboxMessageRecord): MailContent {
    if (!message.subject || !message.text || !message.html) throw new Error('the message has no body');
    return { subject: box.open(message.subject), text: box.open(message.text), html: box.open(message.html) };
  }

  /** Removes a request that leads to no mail (an address without a matching account). */
  async function discard(message: OutboxMessageRecord, workerId: string): Promise<void> {
    await OutboxMessageModel.deleteOne(leased(message, workerId));
  }

  /** The SMTP server accepted it: never send again, and drop the body with its tokens. */
  async function markSent(message: OutboxMessageRecord, workerId: string): Promise<void> {
    const now = deps.now();
    await OutboxMessageModel.updateOne(leased(message, workerId), {
      $set: { status: 'sent', sentAt: now, leaseOwner: null, leaseExpiresAt: null, lastError: null, ...NO_BODY },
    });
  }

  /** Schedules a retry with exponential backoff, or gives up after MAIL_MAX_ATTEMPTS. */
  async function recordFailure(message: OutboxMessageRecord, workerId: string, error: unknown): Promise<FailureOutcome> {
    const lastError = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
    const release = { leaseOwner: null, leaseExpiresAt: null, lastError };
    if (message.attempts >= settings.maxAttempts) {
      await OutboxMessageModel.updateOne(leased(message, workerId), { $set: { status: 'failed', ...release, ...NO_BODY } });
      return { outcome: 'failed' };
    }
    const delay = Math.min(settings.retryBaseMs * 2 ** (message.attempts - 1), settings.retryMaxMs);
    const nextAttemptAt = addMs(deps.now(), delay);
    await OutboxMessageModel.updateOne(leased(message, workerId), { $set: { status: 'pending', nextAttemptAt, ...release } });
    return { outcome: 'retry', nextAttemptAt };
  }

  /** Hands a message back untried (shutdown): the attempt it was claimed with does not count. */
  async function releaseLease(message: OutboxMessageRecord, workerId: string): Promise<void> {
    await OutboxMessageModel.updateOne(leased(message, workerId), {
      $set: { status: 'pending', leaseOwner: null, leaseExpiresAt: null },
      $inc: { attempts: -1 },
    });
  }

  /** Re-seals waiting bodies sealed under an earlier DATA_ENCRYPTION_KEY; returns how many (the rekey script). */
  async function resealBodies(): Promise<number> {
    let resealed = 0;
    const waiting = OutboxMessageModel.find(
      { status: { $in: ['pending', 'sending'] }, text: { $ne: null } },
      { subject: 1, text: 1, html: 1 },
    )
      .lean<OutboxMessageRecord[]>()
      .cursor();
    for await (const message of waiting) {
      if (!message.text || !box.needsResealing(message.text)) continue;
      const body = seal(openContent(message));
      const result = await OutboxMessageModel.updateOne({ _id: message._id, text: message.text }, { $set: body });
      resealed += result.modifiedCount;
    }
    return resealed;
  }

  /** Deletes every mail record about a deleted account, pending or sent. */
  async function forgetAccount(account: { id: string; email: string }): Promise<void> {
    await OutboxMessageModel.deleteMany({ $or: [{ userId: account.id }, { to: account.email }] });
  }

  /** Deletes sent messages older than MAIL_SENT_RETENTION. */
  async function pruneSent(): Promise<number> {
    const result = await OutboxMessageModel.deleteMany({ status: 'sent', sentAt: { $lt: addMs(deps.now(), -settings.sentRetentionMs) } });
    return result.deletedCount;
  }

  /** Messages by status, for monitoring. */
  async function countByStatus(): Promise<Record<string, number>> {
    const rows = await OutboxMessageModel.aggregate<{ _id: string; count: number }>([{ $group: { _id: '$status', count: { $sum: 1 } } }]);
    return Object.fromEntries(rows.map((row) => [row._id, row.count]));
  }

  return {
    enqueueMail,
    enqueueMailOnce,
    enqueueRequest,
    claimNext,
    storeContent,
    openContent,
    discard,
    markSent,
    recordFailure,
    releaseLease,
    resealBodies,
    forgetAccount,
    pruneSent,
    countByStatus,
  };
}
