import { model, Schema, type InferSchemaType } from 'mongoose';

export const PASSKEY_DEVICE_TYPES = ['singleDevice', 'multiDevice'] as const;
export type PasskeyDeviceType = (typeof PASSKEY_DEVICE_TYPES)[number];

/** A registered WebAuthn credential. Keyed by its credential id, so ids are unique and sign-in reads by _id. */
const passkeySchema = new Schema(
  {
    /** The credential id (base64url), as the authenticator made it. */
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    name: { type: String, required: true },
    /** The COSE public key the assertions are checked against. */
    publicKey: { type: Buffer, required: true },
    /** The last signature counter seen; 0 for authenticators that keep none (synced passkeys usually). */
    counter: { type: Number, required: true, default: 0 },
    /** multiDevice: backup-eligible (a synced passkey); singleDevice: bound to one authenticator. Updated on every use. */
    deviceType: { type: String, enum: PASSKEY_DEVICE_TYPES, required: true },
    backedUp: { type: Boolean, required: true },
    transports: { type: [String], default: [] },
    aaguid: { type: String, default: null },
    lastUsedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

passkeySchema.index({ userId: 1, createdAt: 1 });

export type PasskeyRecord = InferSchemaType<typeof passkeySchema>;
export const PasskeyModel = model('Passkey', passkeySchema);
