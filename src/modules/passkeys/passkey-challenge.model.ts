import { model, Schema, type InferSchemaType } from 'mongoose';

export const PASSKEY_CEREMONIES = ['registration', 'authentication'] as const;
export type PasskeyCeremony = (typeof PASSKEY_CEREMONIES)[number];

/** A challenge handed to a browser, kept server-side until its one use or its expiry. */
const passkeyChallengeSchema = new Schema(
  {
    /** The challenge itself (base64url, 256 random bits): the browser signs it, and the lookup is by _id. */
    _id: { type: String, required: true },
    ceremony: { type: String, enum: PASSKEY_CEREMONIES, required: true },
    /** The account a registration is for; null for a sign-in, where the passkey names its account. */
    userId: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// Storage clean-up only: the service itself refuses expired challenges.
passkeyChallengeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
passkeyChallengeSchema.index({ userId: 1 });

export type PasskeyChallengeRecord = InferSchemaType<typeof passkeyChallengeSchema>;
export const PasskeyChallengeModel = model('PasskeyChallenge', passkeyChallengeSchema);
