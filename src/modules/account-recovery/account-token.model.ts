import { model, Schema, type InferSchemaType, type Types } from 'mongoose';

/**
 * What a mailed link lets its holder do. `email_verification` confirms the registration address,
 * `email_change` switches to a new address, `email_revert` restores the address it carries.
 */
export const ACCOUNT_TOKEN_PURPOSES = ['password_reset', 'email_verification', 'email_change', 'email_revert'] as const;
export type AccountTokenPurpose = (typeof ACCOUNT_TOKEN_PURPOSES)[number];

const accountTokenSchema = new Schema(
  {
    // SHA-256 of the token (hex): the token itself is never stored, and a lookup is by _id.
    _id: { type: String, required: true },
    purpose: { type: String, enum: ACCOUNT_TOKEN_PURPOSES, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The address the token was minted for: the one to verify, switch to, or restore. */
    email: { type: String, required: true },
    issuedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    voidedAt: { type: Date, default: null },
  },
  { versionKey: false },
);

accountTokenSchema.index({ userId: 1, purpose: 1 });
accountTokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type AccountTokenRecord = InferSchemaType<typeof accountTokenSchema> & { _id: string; userId: Types.ObjectId };
export const AccountTokenModel = model('AccountToken', accountTokenSchema);
