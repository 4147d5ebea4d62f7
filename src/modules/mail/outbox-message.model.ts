import { model, Schema, type InferSchemaType, type Types } from 'mongoose';

export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * What a message still needs before it can be sent. `mail` is ready to send; the others are public
 * requests (forgot password, resend verification) whose address is resolved by the worker, so the
 * HTTP request does the same work whether or not the address belongs to an account.
 */
export const OUTBOX_KINDS = ['mail', 'password_reset_request', 'verification_request'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];

const outboxMessageSchema = new Schema(
  {
    kind: { type: String, enum: OUTBOX_KINDS, required: true },
    template: { type: String, required: true },
    to: { type: String, required: true },
    messageId: { type: String, required: true },
    /** The account the mail is about, once known: deleting the account deletes its mail records. */
    userId: { type: Schema.Types.ObjectId, default: null },
    /** Who asked for a public request, for its audit event. */
    requestIp: { type: String, default: null },
    // The body carries live tokens: it waits sealed (lib/secret-box) and is removed as soon as the SMTP
    // server has accepted it.
    subject: { type: String, default: null },
    text: { type: String, default: null },
    html: { type: String, default: null },
    status: { type: String, enum: OUTBOX_STATUSES, default: 'pending', required: true },
    attempts: { type: Number, default: 0, required: true },
    nextAttemptAt: { type: Date, required: true },
    leaseOwner: { type: String, default: null },
    leaseExpiresAt: { type: Date, default: null },
    lastError: { type: String, default: null },
    sentAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);

// The claim query: due pending messages and sending messages whose lease ran out, oldest due first.
outboxMessageSchema.index({ status: 1, nextAttemptAt: 1 });
outboxMessageSchema.index({ status: 1, leaseExpiresAt: 1 });
outboxMessageSchema.index({ status: 1, sentAt: 1 });
// Deleting an account finds its mail records.
outboxMessageSchema.index({ userId: 1 });
outboxMessageSchema.index({ to: 1 });

export type OutboxMessageRecord = InferSchemaType<typeof outboxMessageSchema> & { _id: Types.ObjectId };
export const OutboxMessageModel = model('OutboxMessage', outboxMessageSchema);
