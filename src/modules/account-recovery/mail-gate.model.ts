import { model, Schema, type InferSchemaType } from 'mongoose';

/**
 * One document per (purpose, address) that was mailed recently. Taking the gate is a single
 * conditional upsert on _id, so of many concurrent requests inside MAIL_RESEND_INTERVAL exactly one
 * passes; it is keyed by the address as typed, so unknown addresses pass and wait alike.
 */
const mailGateSchema = new Schema(
  {
    _id: { type: String, required: true },
    openedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

mailGateSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type MailGateRecord = InferSchemaType<typeof mailGateSchema> & { _id: string };
export const MailGateModel = model('MailGate', mailGateSchema);
