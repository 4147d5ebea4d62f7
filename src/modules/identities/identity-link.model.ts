import { model, Schema, type InferSchemaType, type Types } from 'mongoose';

/** An account's sign-in with an OpenID provider: the provider's subject, linked to one account. */
const identityLinkSchema = new Schema(
  {
    /** `<provider>:<subject>`: a sign-in looks its identity up by _id, and one identity links at most one account. */
    _id: { type: String, required: true },
    provider: { type: String, required: true },
    subject: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** The address the provider reported when the identity was last used (shown in settings; never used to match). */
    email: { type: String, default: null },
    /** Whether the provider said `email` is verified (a literal `email_verified: true`) when it was last used. */
    emailVerified: { type: Boolean, default: false },
    linkedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// One identity per provider and account; the account's list and unlink read by userId.
identityLinkSchema.index({ userId: 1, provider: 1 }, { unique: true });

export type IdentityLinkRecord = InferSchemaType<typeof identityLinkSchema> & { _id: string; userId: Types.ObjectId };
export const IdentityLinkModel = model('IdentityLink', identityLinkSchema);

export const identityKeyOf = (provider: string, subject: string): string => `${provider}:${subject}`;
