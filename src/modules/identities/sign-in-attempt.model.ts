import { model, Schema, type InferSchemaType } from 'mongoose';

/** A sign-in (or link) started at a provider and not yet come back: what the callback must match. */
const signInAttemptSchema = new Schema(
  {
    /** SHA-256 of the `state` sent to the provider: the callback finds its attempt by _id. */
    _id: { type: String, required: true },
    provider: { type: String, required: true },
    nonce: { type: String, required: true },
    codeVerifier: { type: String, required: true },
    returnTo: { type: String, required: true },
    /** SHA-256 of the browser-binding cookie: a callback from another browser does not match. */
    bindingHash: { type: String, required: true },
    /** Set when a signed-in account started linking this provider. */
    linkUserId: { type: Schema.Types.ObjectId, ref: 'User', default: null },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
  },
  { versionKey: false },
);

// Storage clean-up only: the service itself refuses expired attempts.
signInAttemptSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });
signInAttemptSchema.index({ linkUserId: 1 });

export type SignInAttemptRecord = InferSchemaType<typeof signInAttemptSchema>;
export const SignInAttemptModel = model('OidcAttempt', signInAttemptSchema);
