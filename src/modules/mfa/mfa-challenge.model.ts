import { model, Schema, type InferSchemaType } from 'mongoose';

/** A login whose password was right and whose second factor is pending: the mfaToken's server side. */
const mfaChallengeSchema = new Schema(
  {
    /** SHA-256 of the mfaToken: the token itself is never stored, and the lookup is by _id. */
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, ref: 'User', required: true },
    /** The login-throttle key of the password step: its failures are cleared only when the login completes (none after an OpenID provider). */
    throttleKey: { type: String, default: null },
    /** How the first step was passed (`pwd`, or `fed` for an OpenID provider): the session's amr starts with it. */
    firstFactor: { type: String, enum: ['pwd', 'fed'], default: 'pwd' },
    /** The user's credential version read with the password this login checked: a credential change before the code ends it. */
    credentialVersion: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    /** Code checks reserved so far; at the limit the token is void. */
    attempts: { type: Number, default: 0 },
    usedAt: { type: Date, default: null },
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);

// Storage clean-up only: the service itself refuses expired challenges.
mfaChallengeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type MfaChallengeRecord = InferSchemaType<typeof mfaChallengeSchema>;
export const MfaChallengeModel = model('MfaChallenge', mfaChallengeSchema);
